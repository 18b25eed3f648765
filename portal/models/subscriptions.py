"""E-mail subscriptions to changes of the public sub-processor register (art. 5.1): anyone,
no account; double opt-in, one-click unsubscribe (RFC 8058).

Only what the subscription needs is kept: the address, its language, the moments it was asked
for, confirmed and ended, and SHA-256 hashes of its link tokens (never the tokens).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, state_type
from portal.models.types import UTCDateTime, utcnow


class RegisterEvent(enum.StrEnum):
    """What a subscriber is e-mailed about."""

    ANNOUNCED = "announced"  # a change is announced, with its effective date
    WITHDRAWN = "withdrawn"  # an announced change will not happen


class RegisterSubscription(Base):
    """One address that follows the register; pending until its confirmation link is
    confirmed, active until it unsubscribes."""

    __tablename__ = "register_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # accounts.normalise_email
    locale: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the last confirmation (or reminder) e-mail sent on request: expiry and resend pacing
    mailed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    confirmation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # the unsubscribe token is derived from this salt (services.subscriptions); its hash finds
    # the row
    link_salt: Mapped[str] = mapped_column(String(32))
    unsubscribe_hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    def pending(self, now: datetime, valid_for: timedelta) -> bool:
        """Asked for, not yet confirmed, and the confirmation link still valid."""
        return (self.confirmed_at is None and self.unsubscribed_at is None
                and self.confirmation_hash is not None and self.mailed_at + valid_for > now)


class RegisterMailing(Base):
    """One e-mail about one announcement to one subscriber, so a repeated task sends it
    once."""

    __tablename__ = "register_mailings"
    __table_args__ = (UniqueConstraint("subscription_id", "announcement_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("register_subscriptions.id"))
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), index=True)
    event: Mapped[RegisterEvent] = mapped_column(state_type(RegisterEvent))
    mailed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
