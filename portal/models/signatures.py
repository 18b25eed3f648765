"""Prepared and signed agreements, their stored files, and the certificates the portal issued."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import Organization, User
from portal.models.agreements import AgreementTemplate, ChoiceRevision
from portal.models.base import Base, OrgOwned, state_type
from portal.models.types import EncryptedText, UTCDateTime, utcnow


class SigningMethod(enum.StrEnum):
    PORTAL = "portal"  # one-shot certificate issued by the portal
    OWN_CERTIFICATE = "own_certificate"  # signed elsewhere, uploaded


class FileReason(enum.StrEnum):
    """Why a version of a signed agreement's bytes exists."""

    SIGNED = "signed"
    RENEWED = "renewed"  # a fresh archive timestamp (PAdES B-LTA)


class CertificatePurpose(enum.StrEnum):
    SIGNATORY = "signatory"
    SEAL = "seal"
    TSA = "tsa"
    CA = "ca"


class PreparedDocument(Base, OrgOwned):
    """The agreement as prepared for one customer to review: the frozen document (everything
    the PDF shows, as data) and its unsigned PDF. Neither ever changes.

    Signing renders the frozen document with the evidence page added, so the signed PDF says
    what was reviewed; if the records moved on since, signing is refused and the customer
    reviews a new one (documents/contract/frozen.py).
    """

    __tablename__ = "prepared_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # the document id in the PDF
    revision_id: Mapped[int] = mapped_column(ForeignKey("choice_revisions.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("agreement_templates.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_function: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    file_key: Mapped[str] = mapped_column(String(80))
    # FrozenDocument.to_json(); empty for documents prepared before it was kept (never signed)
    content: Mapped[str | None] = mapped_column(  # the frozen document: encrypted at rest
        EncryptedText("prepared_documents.content"))

    organization: Mapped[Organization] = relationship()
    revision: Mapped[ChoiceRevision] = relationship()
    template: Mapped[AgreementTemplate] = relationship()


class SignedAgreement(Base, OrgOwned):
    """A signed and countersigned agreement; one per prepared document."""

    __tablename__ = "signed_agreements"
    __table_args__ = (UniqueConstraint("organization_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... per organization
    # Unique: a double submit of the same prepared document can only ever sign it once.
    prepared_id: Mapped[int] = mapped_column(ForeignKey("prepared_documents.id"), unique=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("choice_revisions.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("agreement_templates.id"))
    method: Mapped[SigningMethod] = mapped_column(state_type(SigningMethod))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_email: Mapped[str] = mapped_column(String(254))
    signatory_function: Mapped[str] = mapped_column(String(200))
    signer_subject: Mapped[str] = mapped_column(String(500))  # as the certificate names it
    signer_trusted: Mapped[bool] = mapped_column(Boolean, default=True)
    trust_note: Mapped[str] = mapped_column(String(300), default="")
    seal_subject: Mapped[str] = mapped_column(String(500))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    prepared: Mapped[PreparedDocument] = relationship()
    revision: Mapped[ChoiceRevision] = relationship()
    template: Mapped[AgreementTemplate] = relationship()
    signed_by: Mapped[User | None] = relationship()
    files: Mapped[list[AgreementFile]] = relationship(
        back_populates="agreement", order_by="AgreementFile.version")

    @property
    def current(self) -> bool:
        return self.superseded_at is None

    @property
    def seal_name(self) -> str:
        """The seal's common name, for people (the full subject stays in the record)."""
        for part in self.seal_subject.split(","):
            if part.startswith("CN="):
                return part[3:]
        return self.seal_subject

    @property
    def file(self) -> AgreementFile:
        return self.files[-1]


class AgreementFile(Base, OrgOwned):
    """One version of a signed agreement's bytes: as signed, then after each renewal."""

    __tablename__ = "agreement_files"
    __table_args__ = (UniqueConstraint("agreement_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("signed_agreements.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[FileReason] = mapped_column(state_type(FileReason))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    file_key: Mapped[str] = mapped_column(String(80))
    last_timestamp_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renew_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # until when a downloaded copy of these bytes can be checked offline (its own proof)
    offline_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # when the customer was told this version is there to download (signing, renewal notice)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[SignedAgreement] = relationship(back_populates="files")


class IssuedCertificate(Base):
    """Every certificate the portal's CAs issued, so OCSP and CRLs can answer for it.

    Not organization-scoped, though a signatory's certificate names its organization: CRLs and
    OCSP answers must list every revocation, whoever's request builds them.
    """

    __tablename__ = "issued_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # hex
    issuer: Mapped[str] = mapped_column(String(20))  # "root" or "signing_ca"
    subject: Mapped[str] = mapped_column(String(500))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    purpose: Mapped[CertificatePurpose] = mapped_column(state_type(CertificatePurpose))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str] = mapped_column(Text, default="")


class SignatureStep(Base, OrgOwned):
    """One of several signatories has signed a prepared document; the next one signs the file
    this step stored. Ended when the round completes, or is cancelled or expires."""

    __tablename__ = "signature_steps"
    __table_args__ = (
        # the arbiters of a race, within the open round (an ended one may be signed anew):
        # one signature per place, one signature per person
        Index("uq_signature_steps_open_position", "prepared_id", "position", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("uq_signature_steps_open_user", "prepared_id", "user_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prepared_id: Mapped[int] = mapped_column(ForeignKey("prepared_documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the order of the choices
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    certificate_serial: Mapped[str] = mapped_column(String(40))  # hex
    used_totp: Mapped[bool | None] = mapped_column(Boolean)
    ip: Mapped[str | None] = mapped_column(String(45))
    sha256: Mapped[str] = mapped_column(String(64))  # of the file after this signature
    size: Mapped[int] = mapped_column(Integer)
    file_key: Mapped[str | None] = mapped_column(String(80))  # None once ended
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(20), default="")  # completed, cancelled, expired
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    prepared: Mapped[PreparedDocument] = relationship()
    user: Mapped[User] = relationship()
