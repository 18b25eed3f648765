"""All models and their state sets, re-exported so Alembic and services see one namespace."""

from portal.models import scoping  # noqa: F401  (limits customers to their own rows)
from portal.models.accounts import (
    CUSTOMER_ROLES,
    STAFF_ROLES,
    Invitation,
    InvitationStatus,
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
from portal.models.base import OrgOwned
from portal.models.mail import OutboxMessage
from portal.models.monitoring import AccessReview, AccessReviewItem, Heartbeat, StaffAlert
from portal.models.signatures import (
    AgreementFile,
    CertificatePurpose,
    FileReason,
    IssuedCertificate,
    PreparedDocument,
    SignedAgreement,
    SigningMethod,
)
from portal.models.subprocessors import (
    EEA,
    Announcement,
    ChangeKind,
    Notice,
    Objection,
    ObjectionEvent,
    ObjectionStatus,
    OrganizationService,
    Resolution,
    SubProcessor,
    SubProcessorStatus,
    TransferBasis,
)
from portal.models.types import UTCDateTime, utcnow

__all__ = [
    "CUSTOMER_ROLES", "EEA", "GENESIS_HASH", "STAFF_ROLES", "AccessReview", "AccessReviewItem",
    "AgreementFile", "AgreementTemplate",
    "Announcement", "AuditChainHead", "AuditEvent", "CertificatePurpose", "ChangeKind",
    "ChoiceRevision", "FileReason", "Heartbeat", "Invitation", "InvitationStatus",
    "IssuedCertificate", "LoginThrottle", "Notice", "Objection", "ObjectionEvent",
    "ObjectionStatus", "OrgOwned", "Organization", "OrganizationService", "OutboxMessage",
    "PreparedDocument", "RateLimitCounter", "RecoveryCode", "Resolution", "Role",
    "SignedAgreement", "SigningMethod", "StaffAlert", "SubProcessor", "SubProcessorStatus",
    "TransferBasis", "UTCDateTime", "User", "UserSession", "utcnow",
]
