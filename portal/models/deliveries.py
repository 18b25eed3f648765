"""Notices by e-mail, one row per recipient: queued, accepted by the mail server (or failed),
seen, acknowledged. Staff see them per notice; a failure can be retried."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import Organization, User
from portal.models.base import Base, OrgOwned, state_type
from portal.models.types import UTCDateTime, utcnow


class NoticeKind(enum.StrEnum):
    """What a notice is about; ``Delivery.ref_id`` names the row it is about."""

    ANNOUNCEMENT = "announcement"  # a sub-processor change (art. 5.1), ref: Announcement
    WITHDRAWAL = "withdrawal"  # an announced change withdrawn, ref: Announcement


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # accepted by the mail server
    FAILED = "failed"  # refused or unreachable; staff may retry


class Delivery(Base, OrgOwned):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", "organization_id", "email"),
        # progress of one run, and the failures to retry
        Index("ix_deliveries_kind_ref_status", "kind", "ref_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(state_type(NoticeKind))
    ref_id: Mapped[int] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    # None: a contact from the choices (art. 7.3) who has no account
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locale: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[DeliveryStatus] = mapped_column(state_type(DeliveryStatus),
                                                   default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    user: Mapped[User | None] = relationship()
