"""All models, re-exported so Alembic and services see one namespace."""

from portal.models.accounts import (
    CUSTOMER_ROLES,
    STAFF_ROLES,
    Invitation,
    LoginThrottle,
    Organization,
    RateLimitCounter,
    RecoveryCode,
    Role,
    User,
    UserSession,
)
from portal.models.agreements import AgreementTemplate, ChoiceRevision
from portal.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent
from portal.models.mail import OutboxMessage
from portal.models.scoping import OrgOwned
from portal.models.types import UTCDateTime, utcnow

__all__ = [
    "CUSTOMER_ROLES",
    "GENESIS_HASH",
    "STAFF_ROLES",
    "AgreementTemplate",
    "AuditChainHead",
    "AuditEvent",
    "ChoiceRevision",
    "Invitation",
    "LoginThrottle",
    "OrgOwned",
    "Organization",
    "OutboxMessage",
    "RateLimitCounter",
    "RecoveryCode",
    "Role",
    "UTCDateTime",
    "User",
    "UserSession",
    "utcnow",
]
