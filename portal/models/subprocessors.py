"""Sub-processors (art. 5), announced changes with notice, per-customer notices and objections."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import Organization, User
from portal.models.base import Base, OrgOwned, state_type
from portal.models.types import UTCDateTime, utcnow

# EU member states plus Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2).
EEA = frozenset((
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
))


class TransferBasis(enum.StrEnum):
    """The legal basis of a transfer outside the EU/EEA (GDPR chapter V); stored as its value,
    or as "" for processing inside the EU/EEA only."""

    ADEQUACY = "adequacy"  # art. 45
    SCC = "scc"  # art. 46(2)(c): standard contractual clauses
    BCR = "bcr"  # art. 47: binding corporate rules
    DEROGATION = "derogation"  # art. 49


class SubProcessorStatus(enum.StrEnum):
    ANNOUNCED = "announced"  # an announced addition, not yet in effect
    ACTIVE = "active"
    ENDED = "ended"


class ChangeKind(enum.StrEnum):
    """What an announced change to the register does (art. 5.1)."""

    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"
    COUNTRIES = "countries"  # processes in other countries (art. 3.2)


class ObjectionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"


class Resolution(enum.StrEnum):
    """How a resolved objection ended."""

    NOT_USED = "not_used"  # the sub-processor is not used for this customer
    WITHDRAWN = "withdrawn"  # by the customer
    TERMINATES_SERVICE = "terminates_service"  # the customer ends the affected service


def in_language(locale: object, dutch: str, english: str) -> str:
    """Staff write in Dutch and may add English: the English text for English readers when
    there is one, else the Dutch."""
    if english and english.strip() and str(locale).split("_")[0] == "en":
        return english
    return dutch


class SubProcessor(Base):
    """A third party Voxio uses for some Annex 1.A services (art. 5.1)."""

    __tablename__ = "subprocessors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_entity: Mapped[str] = mapped_column(String(300))
    activity: Mapped[str] = mapped_column(String(500))  # what it does for Voxio
    activity_en: Mapped[str] = mapped_column(String(500), default="", server_default="")
    services_json: Mapped[str] = mapped_column(Text, default="[]")  # Annex 1.A keys
    countries_json: Mapped[str] = mapped_column(Text, default="[]")  # ISO 3166-1 alpha-2
    transfer_basis: Mapped[str] = mapped_column(String(20), default="")  # outside the EEA
    status: Mapped[SubProcessorStatus] = mapped_column(state_type(SubProcessorStatus),
                                                       default=SubProcessorStatus.ANNOUNCED)
    active_since: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def services(self) -> list[str]:
        return json.loads(self.services_json)

    @property
    def countries(self) -> list[str]:
        return json.loads(self.countries_json)

    @property
    def outside_eea(self) -> bool:
        return any(code not in EEA for code in self.countries)

    def activity_in(self, locale: object) -> str:
        return in_language(locale, self.activity, self.activity_en)


class Announcement(Base):
    """A change to the register, announced ahead of its effective date."""

    __tablename__ = "announcements"
    __table_args__ = (
        # One pending change of each kind per sub-processor: a second "remove X" (e.g. the
        # form sent again from the browser's history) would notify every customer twice.
        Index("uq_announcements_pending", "kind", "subprocessor_id", unique=True,
              sqlite_where=text("applied_at IS NULL AND withdrawn_at IS NULL"),
              postgresql_where=text("applied_at IS NULL AND withdrawn_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ChangeKind] = mapped_column(state_type(ChangeKind))
    subprocessor_id: Mapped[int] = mapped_column(ForeignKey("subprocessors.id"))
    replacement_id: Mapped[int | None] = mapped_column(ForeignKey("subprocessors.id"))
    new_countries_json: Mapped[str | None] = mapped_column(Text)
    new_transfer_basis: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_reason_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    subprocessor: Mapped[SubProcessor] = relationship(foreign_keys=[subprocessor_id])
    replacement: Mapped[SubProcessor | None] = relationship(foreign_keys=[replacement_id])
    created_by: Mapped[User | None] = relationship()

    @property
    def new_countries(self) -> list[str]:
        return json.loads(self.new_countries_json or "[]")

    @property
    def new_countries_outside_eea(self) -> bool:
        return any(code not in EEA for code in self.new_countries)

    def reason_in(self, locale: object) -> str:
        return in_language(locale, self.reason, self.reason_en)

    def withdrawal_reason_in(self, locale: object) -> str:
        return in_language(locale, self.withdrawal_reason or "", self.withdrawal_reason_en)

    def affected_services(self) -> set[str]:
        found = set(self.subprocessor.services)
        if self.replacement is not None:
            found |= set(self.replacement.services)
        return found


class OrganizationService(Base, OrgOwned):
    """The Annex 1.A services an organization chose (from its newest choices), for fan-out."""

    __tablename__ = "organization_services"
    __table_args__ = (UniqueConstraint("organization_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    service: Mapped[str] = mapped_column(String(40), index=True)


class Notice(Base, OrgOwned):
    """An announcement as one customer organization sees it in the portal."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("organization_id", "announcement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    announcement: Mapped[Announcement] = relationship()


class Objection(Base, OrgOwned):
    """A customer's objection to an announced sub-processor change (art. 5.1)."""

    __tablename__ = "objections"
    __table_args__ = (
        # One open objection per organization per announcement; resolved ones may be followed
        # by a new one. A partial unique index says exactly that, on SQLite and PostgreSQL.
        Index("uq_objections_open", "organization_id", "announcement_id", unique=True,
              sqlite_where=text("status != 'resolved'"),
              postgresql_where=text("status != 'resolved'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ObjectionStatus] = mapped_column(state_type(ObjectionStatus),
                                                    default=ObjectionStatus.SUBMITTED)
    resolution: Mapped[Resolution | None] = mapped_column(state_type(Resolution, length=30))
    staff_note: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    announcement: Mapped[Announcement] = relationship()
    organization: Mapped[Organization] = relationship()
    submitted_by: Mapped[User | None] = relationship()
    events: Mapped[list[ObjectionEvent]] = relationship(order_by="ObjectionEvent.id")


class ObjectionEvent(Base):
    """One step in an objection's history (status changes and notes)."""

    __tablename__ = "objection_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    status: Mapped[ObjectionStatus] = mapped_column(state_type(ObjectionStatus))
    resolution: Mapped[Resolution | None] = mapped_column(state_type(Resolution, length=30))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_label: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
