"""Files at rest, encrypted (Bijlage 2): AES-256-GCM with the rotatable keyring.

Writes are atomic (a temporary file, fsync, rename), so a crash never leaves half a file
under a real name. :func:`staged` removes what a failed operation wrote.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import current_app

from portal.services.encryption import app_keyring

KINDS = ("prepared", "signed", "partial")  # partial: signed by some of several signatories


class StorageError(RuntimeError):
    """A stored file is missing or fails authentication."""


class StorageUnavailable(StorageError):
    """A file could not be written: a read-only folder, a full disk, an I/O error."""


def root() -> Path:
    return Path(current_app.config["FILES_PATH"])


def _path(key: str) -> Path:
    kind, _, name = key.partition("/")
    if kind not in KINDS or not name.isalnum():
        raise StorageError(f"bad file key {key!r}")
    return root() / kind / name


def put(data: bytes, kind: str) -> str:
    """Encrypt and store ``data``; returns its key."""
    key = f"{kind}/{secrets.token_hex(16)}"
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, app_keyring().encrypt(data, associated=key.encode()))
    except OSError as error:
        raise StorageUnavailable(f"cannot write a {kind} document: "
                                 f"{error.strerror or error}") from error
    written = _staging.get()
    if written is not None:
        written.append(key)
    return key


def get(key: str) -> bytes:
    try:
        blob = _path(key).read_bytes()
    except FileNotFoundError as error:
        raise StorageError(f"stored file {key} is missing") from error
    try:
        return app_keyring().decrypt(blob, associated=key.encode())
    except ValueError as error:
        raise StorageError(f"stored file {key} failed authentication") from error


def delete(key: str) -> None:
    _path(key).unlink(missing_ok=True)


def rotate(key: str) -> bool:
    """Re-encrypt one file under the current key; True when it changed."""
    path = _path(key)
    blob = path.read_bytes()
    ring = app_keyring()
    fresh = ring.rotate(blob, associated=key.encode())
    if fresh is blob:
        return False
    _write_atomic(path, fresh)
    return True


def written_at(key: str) -> float:
    """When the file was last written (seconds since the epoch)."""
    return _path(key).stat().st_mtime


def all_keys() -> Iterator[str]:
    for kind in KINDS:
        folder = root() / kind
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.name.isalnum():
                    yield f"{kind}/{path.name}"


_staging: ContextVar[list[str] | None] = ContextVar("storage_staging", default=None)


@contextmanager
def staged() -> Iterator[None]:
    """Delete every file written inside the block if the block fails."""
    written: list[str] = []
    token = _staging.set(written)
    try:
        yield
    except BaseException:
        for key in written:
            delete(key)
        raise
    finally:
        _staging.reset(token)


def remove_stale_temporaries(folder: Path, older_than: float = 600.0) -> int:
    """Delete temporary files a killed process left behind (never a finished file)."""
    removed = 0
    cutoff = time.time() - older_than
    for kind in KINDS:
        for path in (folder / kind).glob(".*.tmp") if (folder / kind).is_dir() else ():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
