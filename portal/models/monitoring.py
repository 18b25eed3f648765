"""What staff must look at: alerts raised by the portal's monitoring of its own measures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.audit import AuditEvent
from portal.models.base import Base
from portal.models.types import UTCDateTime, utcnow


class StaffAlert(Base):
    """One problem, open until a staff member acknowledges it; repeats count, not multiply."""

    __tablename__ = "staff_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    summary: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Heartbeat(Base):
    """The task queue's pulse: monitoring enqueues a task that stamps ``processed_at``."""

    __tablename__ = "monitor_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessReview(Base):
    """A month's random sample of access events for a staff reviewer (Bijlage 2: sample
    checks of compliance)."""

    __tablename__ = "access_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)  # "2026-11"
    population: Mapped[int] = mapped_column(Integer)  # events the sample was drawn from
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[AccessReviewItem]] = relationship(
        back_populates="review", order_by="AccessReviewItem.id")


class AccessReviewItem(Base):
    """One sampled event and the reviewer's verdict: fine, or a finding with a note."""

    __tablename__ = "access_review_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("access_reviews.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    verdict: Mapped[str | None] = mapped_column(String(10))  # "fine" or "finding"
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    review: Mapped[AccessReview] = relationship(back_populates="items")
    event: Mapped[AuditEvent] = relationship()
    reviewed_by: Mapped[User | None] = relationship()
