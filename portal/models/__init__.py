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
from portal.models.signatures import (
    AgreementFile,
    IssuedCertificate,
    PreparedDocument,
    SignedAgreement,
)
from portal.models.subprocessors import (
    EEA,
    Announcement,
    Notice,
    Objection,
    ObjectionEvent,
    OrganizationService,
    SubProcessor,
)
from portal.models.types import UTCDateTime, utcnow

__all__ = [
    "CUSTOMER_ROLES",
    "EEA",
    "GENESIS_HASH",
    "STAFF_ROLES",
    "AgreementFile",
    "AgreementTemplate",
    "Announcement",
    "AuditChainHead",
    "AuditEvent",
    "ChoiceRevision",
    "Invitation",
    "IssuedCertificate",
    "LoginThrottle",
    "Notice",
    "Objection",
    "ObjectionEvent",
    "OrgOwned",
    "Organization",
    "OrganizationService",
    "OutboxMessage",
    "PreparedDocument",
    "RateLimitCounter",
    "RecoveryCode",
    "Role",
    "SignedAgreement",
    "SubProcessor",
    "UTCDateTime",
    "User",
    "UserSession",
    "utcnow",
]
