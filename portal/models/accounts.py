"""Organizations (customers), users, their sessions and invitations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, OrgOwned, state_type
from portal.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """The kind of account: a customer's person (with CustomerRoles) or Voxio staff."""

    CUSTOMER = "customer"
    STAFF = "staff"
    STAFF_ADMIN = "staff_admin"

    @property
    def is_staff(self) -> bool:
        return self in (Role.STAFF, Role.STAFF_ADMIN)


STAFF_ROLES = (Role.STAFF, Role.STAFF_ADMIN)


class CustomerRole(enum.StrEnum):
    """What a customer's person does; one person may hold several. Everyone reads."""

    OWNER = "owner"  # manages users and their access
    SIGNATORY = "signatory"  # signs on behalf of the organization
    PRIVACY_CONTACT = "privacy_contact"  # receives every notice, objects, handles cases
    MEMBER = "member"  # reads only: the role of someone who holds none of the others


class Permission(enum.StrEnum):
    MANAGE_USERS = "manage_users"
    EDIT_CHOICES = "edit_choices"
    SIGN = "sign"
    OBJECT = "object"
    HANDLE_CASES = "handle_cases"  # breach notices, data-subject requests, audits
    READ_AUDIT_LOG = "read_audit_log"
    RECEIVE_NOTICES = "receive_notices"


# The one table of who may do what (tests/views/test_access.py checks every route against it).
GRANTS: dict[Permission, frozenset[CustomerRole]] = {
    Permission.MANAGE_USERS: frozenset({CustomerRole.OWNER}),
    Permission.EDIT_CHOICES: frozenset({CustomerRole.OWNER, CustomerRole.SIGNATORY,
                                        CustomerRole.PRIVACY_CONTACT}),
    Permission.SIGN: frozenset({CustomerRole.SIGNATORY}),
    Permission.OBJECT: frozenset({CustomerRole.PRIVACY_CONTACT}),
    Permission.HANDLE_CASES: frozenset({CustomerRole.PRIVACY_CONTACT}),
    Permission.READ_AUDIT_LOG: frozenset({CustomerRole.OWNER, CustomerRole.PRIVACY_CONTACT}),
    Permission.RECEIVE_NOTICES: frozenset({CustomerRole.OWNER, CustomerRole.PRIVACY_CONTACT}),
}


class HoldsRoles:
    """The customer roles of a user or of an invitation, one column per role."""

    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    is_signatory: Mapped[bool] = mapped_column(Boolean, default=False)
    is_privacy_contact: Mapped[bool] = mapped_column(Boolean, default=False)

    _COLUMNS = {CustomerRole.OWNER: "is_owner", CustomerRole.SIGNATORY: "is_signatory",
                CustomerRole.PRIVACY_CONTACT: "is_privacy_contact"}

    @property
    def customer_roles(self) -> frozenset[CustomerRole]:
        held = frozenset(r for r, column in self._COLUMNS.items() if getattr(self, column))
        return held or frozenset({CustomerRole.MEMBER})

    @property
    def ordered_roles(self) -> list[CustomerRole]:
        return [r for r in CustomerRole if r in self.customer_roles]

    @customer_roles.setter
    def customer_roles(self, roles) -> None:
        for role, column in self._COLUMNS.items():
            setattr(self, column, role in roles)

    @classmethod
    def holding(cls, permission: Permission):
        """SQL condition: holds a role that grants ``permission``."""
        return or_(*(getattr(cls, cls._COLUMNS[r]).is_(True)
                     for r in GRANTS[permission] if r in cls._COLUMNS))

role_type = state_type(Role)


class InvitationStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Organization(Base):
    """A customer of Voxio: the other party to the agreement."""

    __tablename__ = "organizations"
    # the staff list pages through customers by name
    __table_args__ = (Index("ix_organizations_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str] = mapped_column(String(8))
    customer_number: Mapped[str] = mapped_column(String(20), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="NL")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bijlage 2, periodic check of access: when an owner last confirmed who has access
    access_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    access_reviewed_by: Mapped[str | None] = mapped_column(String(254))  # the owner's name
    access_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the date Voxio asks the customer to sign by (staff set it), and the last reminder
    sign_by: Mapped[date | None] = mapped_column(Date)
    sign_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    users: Mapped[list[User]] = relationship(back_populates="organization", order_by="User.name")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.customer_number}>"


class User(Base, OrgOwned, HoldsRoles):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (lower case), so uniqueness is case-insensitive on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(role_type)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted at rest
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # refuses code replay
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(5))
    # New with every reset request: only the newest link works (see services.accounts).
    reset_nonce: Mapped[str | None] = mapped_column(String(32))

    organization: Mapped[Organization | None] = relationship(back_populates="users")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol; the session row, not this object, decides authentication.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def is_customer(self) -> bool:
        return not self.role.is_staff

    def can(self, permission: Permission | str) -> bool:
        """Whether this customer's person may do ``permission`` (staff: never, as a customer)."""
        return self.is_customer and bool(
            self.customer_roles & GRANTS[Permission(permission)])

    @property
    def is_staff_admin(self) -> bool:
        return self.role == Role.STAFF_ADMIN

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class UserSession(Base):
    """A server-side login session; the cookie holds only its random token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last time the user proved who they are (password, plus TOTP when enrolled).
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A one-time code that replaces a TOTP code when the authenticator is lost."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class Invitation(Base, OrgOwned, HoldsRoles):
    """An invitation to create an account, sent by staff or by a customer's owner."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(role_type)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organization: Mapped[Organization | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def status(self, now: datetime) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return InvitationStatus.OPEN


class LoginThrottle(Base):
    """Failed sign-ins per e-mail address (hashed), for per-account backoff.

    Kept for addresses with and without an account alike, so the backoff itself does not
    reveal which addresses are registered.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitCounter(Base):
    """Fixed-window counters for Flask-Limiter when Redis is not configured."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column()


__all__ = [
    "GRANTS", "STAFF_ROLES", "CustomerRole", "HoldsRoles", "Invitation", "InvitationStatus",
    "LoginThrottle", "Organization",
    "Permission", "RateLimitCounter", "RecoveryCode", "Role", "User", "UserSession",
]
