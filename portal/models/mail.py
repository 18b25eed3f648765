"""The development outbox: mail kept in the database instead of sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base
from portal.models.types import EncryptedText, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sender: Mapped[str] = mapped_column(String(254))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    # the bodies name people and hold links with tokens: encrypted at rest (Bijlage 2)
    text_body: Mapped[str] = mapped_column(EncryptedText("outbox_messages.text_body"))
    html_body: Mapped[str] = mapped_column(EncryptedText("outbox_messages.html_body"))
    # extra headers, JSON [[name, value], ...]; List-Unsubscribe holds a token: encrypted too
    headers: Mapped[str | None] = mapped_column(EncryptedText("outbox_messages.headers"))
