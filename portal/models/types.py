"""Column types shared by all models."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Cipher:
    """How :class:`EncryptedText` seals and opens values: installed by the application at
    start-up (services.encryption), so models stay free of Flask and of key handling."""

    seal = None  # (plaintext: bytes, associated: bytes) -> bytes
    open = None  # (blob: bytes, associated: bytes) -> bytes


class EncryptedText(TypeDecorator):
    """Text encrypted at rest (Bijlage 2): AES-256-GCM under the application keyring,
    authenticated with the column's name, stored as ``enc:`` + base64.

    Values written before encryption was introduced read back as they are until
    ``flask keys rotate`` encrypts them.
    """

    impl = Text
    cache_ok = True
    PREFIX = "enc:"

    def __init__(self, column: str):
        super().__init__()
        self.associated = column.encode()

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        if Cipher.seal is None:
            raise RuntimeError("no cipher installed for encrypted columns")
        blob = Cipher.seal(value.encode(), self.associated)
        return self.PREFIX + base64.b64encode(blob).decode()

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None or not value.startswith(self.PREFIX):
            return value
        if Cipher.open is None:
            raise RuntimeError("no cipher installed for encrypted columns")
        return Cipher.open(base64.b64decode(value[len(self.PREFIX):]), self.associated).decode()
