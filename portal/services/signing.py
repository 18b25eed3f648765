"""The signing ceremony: the customer signs the prepared agreement, Voxio countersigns.

All or nothing: render with the evidence page, sign as the customer (one-shot certificate,
with a signature timestamp), countersign as Voxio with both signatures' validation data and a
document timestamp (both end at PAdES B-LTA), check, store encrypted, record, commit. Any
failure rolls the transaction back and deletes what was written; a double submit of the same
prepared document signs it exactly once (a unique constraint decides between racing requests).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.documents.contract import pdf, signatures
from portal.documents.contract.frozen import Evidence
from portal.documents.pades import pki, signing, validation
from portal.extensions import db
from portal.models import (
    AgreementFile,
    CertificatePurpose,
    FileReason,
    Organization,
    PreparedDocument,
    Role,
    SignedAgreement,
    SigningMethod,
    User,
    UserSession,
    utcnow,
)
from portal.services import (
    ServiceError,
    ServiceErrors,
    audit,
    mail,
    preparation,
    renewal,
    signed_copies,
    storage,
    trust,
    users,
)
from portal.services.context import Actor
from portal.services.preparation import AlreadySigned

log = logging.getLogger(__name__)

__all__ = ["AlreadySigned", "Confirmation", "SigningFailed", "sign"]


class SigningFailed(ServiceError):
    """Signing or countersigning failed on Voxio's side (key, timestamp service, check):
    nothing was signed or stored."""


@dataclass(frozen=True)
class Confirmation:
    """What the signatory confirms on the signing page."""

    name: str
    function: str
    authority_confirmed: bool


def sign(prepared: PreparedDocument, confirmation: Confirmation, user: User,
         session: UserSession | None, actor: Actor) -> SignedAgreement:
    """Sign ``prepared`` as ``user`` and countersign as Voxio; all or nothing."""
    existing = signed_for(prepared)
    if existing is not None:
        return existing  # a double submit: the first one won
    _check_confirmation(prepared, confirmation)
    check_signable(prepared)
    try:
        return _ceremony(prepared, confirmation, user, session, actor)
    except signing.SigningError as error:
        log.exception("signing %s failed", prepared.public_id)
        raise SigningFailed(_(
            "Signing failed on our side; nothing was signed or stored. Please try again in a "
            "few minutes. If it keeps failing, contact Voxio support.")) from error


def _ceremony(prepared: PreparedDocument, confirmation: Confirmation, user: User,
              session: UserSession | None, actor: Actor) -> SignedAgreement:
    org = prepared.organization
    now = utcnow()
    auth = trust.authority()
    customer = auth.issue_signer(pki.SignerName(
        common_name=confirmation.name, organization=org.name, email=user.email,
        title=confirmation.function), now)
    frozen = preparation.freeze(org, prepared.revision, prepared.public_id, now,
                                confirmation.name, confirmation.function)
    evidence = Evidence(
        signed_at=now, revision=prepared.revision.number, name=confirmation.name,
        function=confirmation.function, authority_confirmed=confirmation.authority_confirmed,
        email=user.email, unsigned_sha256=prepared.sha256,
        certificate_issuer=auth.signing_ca.cert.subject.rfc4514_string(),
        certificate_serial=customer.cert.serial_number,
        used_totp=session.used_totp if session is not None else None,
        authenticated_at=session.authenticated_at if session is not None else None,
        ip=actor.ip, user_agent=actor.user_agent)
    unsigned = pdf.render_frozen(frozen, evidence)
    # One set of CRLs and OCSP answers, fresh now, for every certificate in the ceremony.
    revocation = trust.revocation([customer.cert, auth.signing_ca.cert, auth.tsa.cert,
                                   auth.seal.cert], now)
    with trust.seal() as seal:
        signed = _sign_both(unsigned, customer, auth, seal, confirmation.name, revocation)
        seal_subject, seal_cert = seal.subject, signing.signer_chain(seal.signer)[0]
    if trust.external_tsa() or not seal.ours:  # certificates from elsewhere: the full check
        problems = validation.confirm(signed, trust.trust_roots())
    else:
        problems = validation.check_own(signed, [customer.cert, seal_cert, auth.tsa.cert])
    if problems:
        raise signing.SigningError(f"the signed document does not validate: {problems}")
    return record_signed(prepared, signed, method=SigningMethod.PORTAL, user=user, actor=actor,
                         confirmation=confirmation,
                         signer_subject=customer.cert.subject.rfc4514_string(),
                         seal_subject=seal_subject, issued=customer.cert, now=now)


def check_signable(prepared: PreparedDocument) -> None:
    """Refuse a prepared document whose choices are already signed, or are no longer current."""
    current = signed_copies.current_agreement(prepared.organization)
    if current is not None and current.revision_id == prepared.revision_id \
            and current.template_id == prepared.template_id:
        raise AlreadySigned(current)
    if not preparation.still_current(prepared):
        raise ServiceError(_("Your choices or the agreement changed after this document was "
                              "prepared. Read the new version and sign that one."))


def signed_for(prepared: PreparedDocument) -> SignedAgreement | None:
    return db.session.scalar(select(SignedAgreement)
                             .where(SignedAgreement.prepared_id == prepared.id))


def _sign_both(unsigned: bytes, customer: pki.Credential, auth: pki.Authority, seal,
               name: str, revocation: signing.Revocation) -> bytes:
    signed = signatures.sign_as_customer(
        unsigned, signing.credential_signer(customer, auth.chain(customer.cert)), name=name,
        timestamper=trust.timestamper(), trust_roots=trust.trust_roots(),
        revocation=revocation, allow_fetching=trust.external_tsa(),
        compact=not trust.external_tsa())
    # the customer's validation data goes into the seal's revision
    return countersign(signed, seal, revocation,
                       earlier_certs=[customer.cert, *auth.chain(customer.cert)])


def countersign(signed: bytes, seal: trust.Seal, revocation: signing.Revocation,
                earlier_certs: list[x509.Certificate] | None = None) -> bytes:
    """Voxio's seal over a customer-signed PDF, at B-LTA."""
    return signatures.countersign(
        signed, seal.signer, provider_name=current_app.config["PKI_ORGANIZATION"],
        timestamper=trust.timestamper(), trust_roots=trust.trust_roots(),
        revocation=revocation, allow_fetching=trust.external_tsa() or not seal.ours,
        compact=seal.ours and not trust.external_tsa(), earlier_certs=earlier_certs or ())


def record_signed(prepared: PreparedDocument, signed: bytes, *, method: SigningMethod, user: User,
                  actor: Actor, confirmation: Confirmation, signer_subject: str,
                  seal_subject: str, issued: x509.Certificate | None, now: datetime,
                  trusted: bool = True, trust_note: str = "") -> SignedAgreement:
    """Store the signed file and record the agreement, superseding the one in force; once."""
    org = prepared.organization
    sha = validation.sha256(signed)
    try:
        with storage.staged():
            key = storage.put(signed, "signed")
            db.session.execute(select(Organization.id).where(Organization.id == org.id)
                               .with_for_update())
            number = (db.session.scalar(select(func.max(SignedAgreement.number)).where(
                SignedAgreement.organization_id == org.id)) or 0) + 1
            previous = signed_copies.current_agreement(org)
            agreement = SignedAgreement(
                organization_id=org.id, public_id=prepared.public_id, number=number,
                prepared_id=prepared.id, revision_id=prepared.revision_id,
                template_id=prepared.template_id, method=method, signed_at=now,
                signed_by_id=user.id, signatory_name=confirmation.name,
                signatory_email=user.email, signatory_function=confirmation.function,
                signer_subject=signer_subject[:500], signer_trusted=trusted,
                trust_note=trust_note[:300], seal_subject=seal_subject[:500], created_at=now)
            db.session.add(agreement)
            db.session.flush()
            db.session.add(AgreementFile(
                organization_id=org.id, agreement_id=agreement.id, version=1,
                reason=FileReason.SIGNED, sha256=sha, size=len(signed), file_key=key,
                last_timestamp_at=now, renew_after=renewal.renew_after(now)))
            if issued is not None:
                trust.record_issued(issued, CertificatePurpose.SIGNATORY, org.id)
            if previous is not None:
                previous.superseded_at = now
            audit.record("agreement.signed", actor=actor, organization=org, obj=agreement,
                         details={"document": agreement.public_id, "method": method,
                                  "revision": prepared.revision.number,
                                  "template": prepared.template.version,
                                  "signatory": confirmation.name, "sha256": sha,
                                  "supersedes": previous.public_id if previous else None})
            _notify_signed(agreement, org)
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = signed_for(prepared)
        if existing is None:
            raise
        return existing  # a racing request signed it first; ours left nothing behind
    except BaseException:
        db.session.rollback()
        raise
    return agreement


def _notify_signed(agreement: SignedAgreement, org: Organization) -> None:
    recipients = {u.email: u for u in org.users if u.active and u.role == Role.CUSTOMER_OWNER}
    if agreement.signed_by is not None:
        recipients.setdefault(agreement.signed_by.email, agreement.signed_by)
    subject = _("Your data processing agreement with Voxio is signed")
    for email, user in recipients.items():
        mail.send("agreement_signed", email, subject, locale=getattr(user, "locale", None),
                  agreement=agreement, organization=org, name=user.name, staff=False)
    for admin in users.active_staff_admins():
        mail.send("agreement_signed", admin.email,
                  _("%(org)s signed the data processing agreement", org=org.name),
                  agreement=agreement, organization=org, name=admin.name, staff=True)


def _check_confirmation(prepared: PreparedDocument, confirmation: Confirmation) -> None:
    problems = []
    if not confirmation.name.strip():
        problems.append(("name", _("Enter your name as it appears in the agreement.")))
    elif confirmation.name.strip() != prepared.signatory_name.strip():
        problems.append(("name", _("The agreement names %(name)s as signatory. Sign as that "
                                    "person, or change the signatory in your choices first.",
                                    name=prepared.signatory_name)))
    if confirmation.function.strip() != prepared.signatory_function.strip():
        problems.append(("function", _("The agreement gives the job title %(function)s. Enter "
                                       "it as written, or change it in your choices first.",
                                       function=prepared.signatory_function)))
    if not confirmation.authority_confirmed:
        problems.append(("authority", _("Confirm that you may sign for your organization.")))
    if problems:
        raise ServiceErrors(problems)
