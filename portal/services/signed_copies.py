"""Signed agreements as customers and staff keep them: recording a newly signed one (the
ceremony and an own-certificate upload both end here), lists, the one in force, downloads.

Every download is checked against the recorded SHA-256 first (:mod:`.integrity`) and
audit-logged.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.documents.contract import Signatory
from portal.documents.pades import validation
from portal.extensions import db
from portal.models import (
    AgreementFile,
    CertificatePurpose,
    FileReason,
    Organization,
    Permission,
    PreparedDocument,
    SignatureStep,
    SignedAgreement,
    SigningMethod,
    User,
)
from portal.services import audit, integrity, mail, renewal, storage, trust, users
from portal.services.context import Actor


def record(prepared: PreparedDocument, signed: bytes, *, method: SigningMethod, user: User,
           actor: Actor, signatory: Signatory, signer_subject: str, seal_subject: str,
           issued: x509.Certificate | None, now: datetime, trusted: bool = True,
           trust_note: str = "") -> SignedAgreement:
    """Store the signed file and record the agreement, superseding the one in force; once."""
    org = prepared.organization
    sha = validation.sha256(signed)
    offline_until = renewal.offline_until(signed)
    try:
        with storage.staged():
            key = storage.put(signed, "signed")
            db.session.execute(select(Organization.id).where(Organization.id == org.id)
                               .with_for_update())
            number = (db.session.scalar(select(func.max(SignedAgreement.number)).where(
                SignedAgreement.organization_id == org.id)) or 0) + 1
            previous = current_agreement(org)
            agreement = SignedAgreement(
                organization_id=org.id, public_id=prepared.public_id, number=number,
                prepared_id=prepared.id, revision_id=prepared.revision_id,
                template_id=prepared.template_id, method=method, signed_at=now,
                signed_by_id=user.id, signatory_name=signatory.name,
                signatory_email=user.email, signatory_function=signatory.function,
                signer_subject=signer_subject[:500], signer_trusted=trusted,
                trust_note=trust_note[:300], seal_subject=seal_subject[:500], created_at=now)
            db.session.add(agreement)
            db.session.flush()
            db.session.add(AgreementFile(
                organization_id=org.id, agreement_id=agreement.id, version=1,
                reason=FileReason.SIGNED, sha256=sha, size=len(signed), file_key=key,
                last_timestamp_at=now, renew_after=renewal.renew_after(now, offline_until),
                offline_until=offline_until, announced_at=now))
            if issued is not None:
                trust.record_issued(issued, CertificatePurpose.SIGNATORY, org.id)
            if previous is not None:
                previous.superseded_at = now
            audit.record("agreement.signed", actor=actor, organization=org, obj=agreement,
                         details={"document": agreement.public_id, "method": method,
                                  "revision": prepared.revision.number,
                                  "template": prepared.template.version,
                                  "signatory": signatory.name, "sha256": sha,
                                  "supersedes": previous.public_id if previous else None})
            _notify_signed(agreement, org, offline_until)
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = for_prepared(prepared)
        if existing is None:
            raise
        return existing  # a racing request signed it first; ours left nothing behind
    except BaseException:
        db.session.rollback()
        raise
    return agreement


def _notify_signed(agreement: SignedAgreement, org: Organization,
                   offline_until: datetime | None) -> None:
    recipients = {u.email: u for u in users.holding(org, Permission.RECEIVE_NOTICES)}
    signers = [step.user for step in signers_before(agreement)]
    for user in (*signers, agreement.signed_by):  # every signatory hears it is concluded
        if user is not None and user.active:
            recipients.setdefault(user.email, user)
    subject = _l("Your data processing agreement with Voxio is signed")
    for email, user in recipients.items():
        mail.send("agreement_signed", email, subject, locale=getattr(user, "locale", None),
                  agreement=agreement, organization=org, name=user.name, staff=False,
                  offline_until=offline_until)
    for admin in users.active_staff_admins():
        mail.send("agreement_signed", admin.email,
                  _l("%(org)s signed the data processing agreement", org=org.name),
                  agreement=agreement, organization=org, name=admin.name, staff=True)


def signers_before(agreement: SignedAgreement) -> list[SignatureStep]:
    """With several signatories: those who signed before the last, in order."""
    return list(db.session.scalars(select(SignatureStep).where(
        SignatureStep.prepared_id == agreement.prepared_id,
        SignatureStep.end_reason == "completed").order_by(SignatureStep.position)))


def for_prepared(prepared: PreparedDocument) -> SignedAgreement | None:
    """The agreement signed from ``prepared``, if any (a prepared document is signed once)."""
    return db.session.scalar(select(SignedAgreement)
                             .where(SignedAgreement.prepared_id == prepared.id))


def covering(org: Organization, revision_id: int, template_id: int) -> SignedAgreement | None:
    """The agreement in force if it already covers these choices and this agreement version."""
    current = current_agreement(org)
    if current is not None and current.revision_id == revision_id \
            and current.template_id == template_id:
        return current
    return None


def agreements_of(org: Organization) -> list[SignedAgreement]:
    return list(db.session.scalars(select(SignedAgreement).where(
        SignedAgreement.organization_id == org.id).order_by(SignedAgreement.number.desc())))


def current_agreement(org: Organization) -> SignedAgreement | None:
    return db.session.scalar(select(SignedAgreement).where(
        SignedAgreement.organization_id == org.id, SignedAgreement.superseded_at.is_(None))
        .order_by(SignedAgreement.number.desc()).limit(1))


def current_by_organization(org_ids: list[int]) -> dict[int, SignedAgreement]:
    """Each organization's current signed agreement, in one query (staff lists)."""
    rows = db.session.scalars(select(SignedAgreement).where(
        SignedAgreement.organization_id.in_(org_ids), SignedAgreement.superseded_at.is_(None)))
    return {row.organization_id: row for row in rows}


def by_number(org: Organization, number: int) -> SignedAgreement | None:
    return db.session.scalar(select(SignedAgreement).where(
        SignedAgreement.organization_id == org.id, SignedAgreement.number == number))


def by_public_id(public_id: str) -> SignedAgreement | None:
    """For the public status page, whoever asks (the id is printed in the PDF)."""
    return db.session.scalar(select(SignedAgreement)
                             .where(SignedAgreement.public_id == public_id)
                             .execution_options(unscoped=True))


def signed_pdf(agreement: SignedAgreement, actor: Actor, *, purpose: str = "download") -> bytes:
    """The newest stored bytes, after checking them against their recorded SHA-256."""
    file = agreement.file
    try:
        data = integrity.checked(storage.get(file.file_key), file.sha256, file.file_key)
    except (integrity.IntegrityAlert, storage.StorageError) as error:
        integrity.alert(agreement, file.version, str(error), actor)
        raise integrity.IntegrityAlert(str(error)) from error
    audit.record(f"agreement.{purpose}", actor=actor, organization=agreement.organization_id,
                 obj=agreement, details={"document": agreement.public_id,
                                         "version": file.version, "sha256": file.sha256})
    db.session.commit()
    return data


def report(agreement: SignedAgreement, actor: Actor) -> validation.Report:
    """What the stored signed PDF proves (its validation report); audit-logged."""
    data = signed_pdf(agreement, actor, purpose="report")
    return validation.inspect(data, trust.trust_roots())
