"""Signing, countersigning, keeping and verifying the agreement.

The ceremony is all or nothing: render, sign as the customer (one-shot certificate, with a
signature timestamp), countersign as Voxio with both signatures' validation data and a document
timestamp (both end at B-LTA), check, store encrypted, record, commit. Any failure
rolls the transaction back and deletes what was written; a double submit of the same prepared
document signs it exactly once (a unique constraint decides between racing requests).
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.documents import pdf, pki, signing, validation
from portal.documents.contract import AUTHORITY_TEXT, dutch_date
from portal.extensions import db
from portal.models import (
    AgreementFile,
    ChoiceRevision,
    Organization,
    PreparedDocument,
    Role,
    SignedAgreement,
    User,
    UserSession,
    utcnow,
)
from portal.services import ServiceError, agreements, audit, mail, storage, trust, users
from portal.services.context import Actor

log = logging.getLogger(__name__)

CUSTOMER_ROLE = "Verwerkingsverantwoordelijke"
PROVIDER_ROLE = "Verwerker"


class AlreadySigned(ServiceError):
    """The current agreement already covers these choices and this agreement version."""

    def __init__(self, agreement: SignedAgreement):
        super().__init__(_("Your current choices are already signed (document %(id)s). "
                           "Change your choices first if the agreement must change.",
                           id=agreement.public_id))
        self.agreement = agreement


class IntegrityAlert(RuntimeError):
    """A stored file does not match its recorded SHA-256: never serve it."""


@dataclass(frozen=True)
class Confirmation:
    """What the signatory confirms on the signing page."""

    name: str
    function: str
    authority_confirmed: bool


# --- preparing ---------------------------------------------------------------------------

def prepare(org: Organization, user: User, actor: Actor) -> PreparedDocument:
    """The unsigned PDF of the latest revision, frozen; reused while nothing changed."""
    rev = agreements.latest_revision(org)
    if rev is None:
        raise ServiceError(_("Make your choices first."))
    template = agreements.current_template()
    if agreements.problems(template, rev.choices):
        raise ServiceError(_("Your choices are incomplete for the current agreement version; "
                              "check them first."))
    current = current_agreement(org)
    if current is not None and current.revision_id == rev.id \
            and current.template_id == template.id:
        raise AlreadySigned(current)
    signatory = rev.choices.signatory
    existing = db.session.scalar(
        select(PreparedDocument).where(
            PreparedDocument.organization_id == org.id, PreparedDocument.revision_id == rev.id,
            PreparedDocument.template_id == template.id,
            PreparedDocument.signatory_name == signatory.name,
            PreparedDocument.signatory_function == signatory.function,
            ~PreparedDocument.id.in_(select(SignedAgreement.prepared_id)))
        .order_by(PreparedDocument.id.desc()).limit(1))
    if existing is not None:
        return existing
    public_id = _new_public_id(org)
    now = utcnow()
    data = pdf.render(agreements.document(org, rev),
                      _spec(org, rev, public_id, now, signatory.name, signatory.function))
    with storage.staged():
        key = storage.put(data, "prepared")
        prepared = PreparedDocument(
            organization_id=org.id, public_id=public_id, revision_id=rev.id,
            template_id=template.id, created_at=now, created_by_id=user.id,
            signatory_name=signatory.name, signatory_function=signatory.function,
            sha256=validation.sha256(data), size=len(data), file_key=key)
        db.session.add(prepared)
        db.session.flush()
        audit.record("agreement.prepared", actor=actor, organization=org, obj=prepared,
                     details={"document": public_id, "revision": rev.number,
                              "template": template.version, "sha256": prepared.sha256})
        db.session.commit()
    return prepared


def prepared_pdf(prepared: PreparedDocument) -> bytes:
    return _checked(storage.get(prepared.file_key), prepared.sha256, prepared.file_key)


def prepared_by_public_id(org: Organization, public_id: str) -> PreparedDocument | None:
    return db.session.scalar(select(PreparedDocument).where(
        PreparedDocument.organization_id == org.id, PreparedDocument.public_id == public_id))


def still_current(prepared: PreparedDocument) -> bool:
    """False when the choices or the agreement version changed after preparing."""
    rev = agreements.latest_revision(prepared.organization)
    return rev is not None and rev.id == prepared.revision_id \
        and prepared.template_id == agreements.current_template().id


# --- the signing ceremony ----------------------------------------------------------------

def sign(prepared: PreparedDocument, confirmation: Confirmation, user: User,
         session: UserSession | None, actor: Actor) -> SignedAgreement:
    """Sign ``prepared`` as ``user`` and countersign as Voxio; all or nothing."""
    existing = signed_for(prepared)
    if existing is not None:
        return existing  # a double submit: the first one won
    _check_confirmation(prepared, confirmation)
    _check_signable(prepared)
    org = prepared.organization
    rev = prepared.revision
    now = utcnow()
    auth = trust.authority()
    customer = auth.issue_signer(pki.SignerName(
        common_name=confirmation.name, organization=org.name, email=user.email,
        title=confirmation.function), now)
    evidence = _evidence(prepared, confirmation, user, session, actor, now, customer, auth)
    document = agreements.document(org, rev)
    unsigned = pdf.render(document, _spec(org, rev, prepared.public_id, now,
                                          confirmation.name, confirmation.function,
                                          signed_on=now, evidence=evidence))
    # One set of CRLs and OCSP answers, fresh now, for every certificate in the ceremony.
    revocation = trust.revocation([customer.cert, auth.signing_ca.cert, auth.tsa.cert,
                                   auth.seal.cert], now)
    with trust.seal() as seal:
        signed = _sign_both(unsigned, customer, auth, seal, confirmation.name, now, revocation)
        seal_subject, seal_cert = seal.subject, signing.signer_chain(seal.signer)[0]
    if trust.external_tsa() or not seal.ours:  # certificates from elsewhere: the full check
        problems = validation.confirm(signed, trust.trust_roots())
    else:
        problems = validation.check_own(signed, [customer.cert, seal_cert, auth.tsa.cert])
    if problems:
        raise signing.SigningError(f"the signed document does not validate: {problems}")
    return _store(prepared, signed, method="portal", user=user, actor=actor,
                  confirmation=confirmation, signer_subject=customer.cert.subject.rfc4514_string(),
                  seal_subject=seal_subject, issued=customer, now=now)


def _check_signable(prepared: PreparedDocument) -> None:
    """Refuse a prepared document whose choices are already signed, or are no longer current."""
    current = current_agreement(prepared.organization)
    if current is not None and current.revision_id == prepared.revision_id \
            and current.template_id == prepared.template_id:
        raise AlreadySigned(current)
    if not still_current(prepared):
        raise ServiceError(_("Your choices or the agreement changed after this document was "
                              "prepared. Read the new version and sign that one."))


def _sign_both(unsigned: bytes, customer: pki.Credential, auth: pki.Authority, seal,
               name: str, now: datetime, revocation: signing.Revocation) -> bytes:
    signed = signing.sign(
        unsigned, signing.credential_signer(customer, auth.chain(customer.cert)),
        field_name=signing.CUSTOMER_FIELD, name=name,
        reason="Akkoord met de verwerkersovereenkomst", location="Nederland",
        timestamper=trust.timestamper(), trust_roots=trust.trust_roots(),
        revocation=revocation, allow_fetching=trust.external_tsa(), long_term=False,
        compact=not trust.external_tsa())
    # the customer's validation data goes into the seal's revision
    return _countersign(signed, seal, now, revocation,
                        earlier_certs=[customer.cert, *auth.chain(customer.cert)])


def _countersign(signed: bytes, seal, now: datetime,
                 revocation: signing.Revocation | None = None,
                 earlier_certs: list | None = None) -> bytes:
    if revocation is None:
        auth = trust.authority()
        revocation = trust.revocation([auth.signing_ca.cert, auth.tsa.cert, auth.seal.cert], now)
    return signing.countersign(
        signed, seal.signer, provider_name=current_app.config["PKI_ORGANIZATION"],
        timestamper=trust.timestamper(), trust_roots=trust.trust_roots(),
        revocation=revocation,
        allow_fetching=trust.external_tsa() or not seal.ours,
        compact=seal.ours and not trust.external_tsa(), earlier_certs=earlier_certs or ())


def _store(prepared: PreparedDocument, signed: bytes, *,
           method: str, user: User, actor: Actor, confirmation: Confirmation,
           signer_subject: str, seal_subject: str, issued: pki.Credential | None,
           now: datetime, trusted: bool = True, trust_note: str = "") -> SignedAgreement:
    org = prepared.organization
    sha = validation.sha256(signed)
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
                signed_by_id=user.id, signatory_name=confirmation.name,
                signatory_email=user.email, signatory_function=confirmation.function,
                signer_subject=signer_subject[:500], signer_trusted=trusted,
                trust_note=trust_note[:300], seal_subject=seal_subject[:500], created_at=now)
            db.session.add(agreement)
            db.session.flush()
            db.session.add(AgreementFile(
                organization_id=org.id, agreement_id=agreement.id, version=1, reason="signed",
                sha256=sha, size=len(signed), file_key=key,
                last_timestamp_at=now, renew_after=_renew_after(now)))
            if issued is not None:
                trust.record_issued(issued.cert, "signatory", org.id)
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


def _renew_after(last_stamp: datetime) -> datetime:
    return last_stamp + timedelta(days=current_app.config["TIMESTAMP_RENEW_DAYS"])


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


def signed_for(prepared: PreparedDocument) -> SignedAgreement | None:
    return db.session.scalar(select(SignedAgreement)
                             .where(SignedAgreement.prepared_id == prepared.id))


# --- own certificate ---------------------------------------------------------------------

@dataclass(frozen=True)
class UploadCheck:
    """Why an uploaded signed PDF was accepted or refused, in plain words."""

    accepted: bool
    reason: str
    signature: validation.SignatureCheck | None = None


def check_own_signature(prepared: PreparedDocument, data: bytes) -> UploadCheck:
    """Accept only the prepared bytes plus exactly one valid signature over the whole file."""
    original = prepared_pdf(prepared)
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        return UploadCheck(False, _("This file is not a PDF. Upload the signed PDF file."))
    if data == original:
        return UploadCheck(False, _("This is the prepared PDF without a signature. Sign it "
                                    "first, then upload the signed file."))
    if not data.startswith(original):
        return UploadCheck(False, _("This is not the prepared document with a signature "
                                    "added: its first part differs from the PDF we prepared. "
                                    "Sign the downloaded file without changing it."))
    try:
        report = validation.inspect(data, trust.trust_roots())
    except validation.NotAPdf as error:
        return UploadCheck(False, _("The file cannot be read as a PDF (%(why)s).",
                                    why=str(error)))
    if len(report.signatures) != 1:
        return UploadCheck(False, _("The document must carry exactly one signature; it has "
                                     "%(n)d.", n=len(report.signatures)))
    check = report.signatures[0]
    if check.signed_until != len(data) or check.revision != 1:
        return UploadCheck(False, _("The signature does not cover the whole file: something "
                                     "was added after signing."), check)
    if not (check.intact and check.valid):
        return UploadCheck(False, _("The signature is not valid: the file was changed after "
                                     "signing, or the signature is damaged."), check)
    return UploadCheck(True, trust_note(check), check)


def trust_note(check: validation.SignatureCheck) -> str:
    if check.trusted:
        return _("The certificate is trusted by this portal.")
    if check.problem in ("NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_CONSTRAINTS_FAILURE"):
        return _("Issuer not in our trust list (%(issuer)s): the signature is intact and "
                  "valid, but we cannot vouch for the certificate.", issuer=check.issuer)
    if check.problem == "REVOKED":
        return _("The certificate was revoked.")
    return _("The certificate could not be checked completely (%(problem)s).",
              problem=check.problem or "?")


def accept_own_signature(prepared: PreparedDocument, data: bytes, user: User,
                         actor: Actor) -> SignedAgreement:
    """Countersign a PDF the customer signed elsewhere, after :func:`check_own_signature`."""
    existing = signed_for(prepared)
    if existing is not None:
        return existing
    _check_signable(prepared)
    result = check_own_signature(prepared, data)
    if not result.accepted:
        raise ServiceError(result.reason, field="file")
    now = utcnow()
    with trust.seal() as seal:
        signed = _countersign(data, seal, now)
        seal_subject = seal.subject
    report = validation.inspect(signed, trust.trust_roots())
    provider = report.signatures[-1] if report.signatures else None
    if provider is None or not provider.ok or not all(s.intact and s.valid
                                                      for s in report.signatures):
        raise signing.SigningError("the countersigned document does not validate")
    check = result.signature
    confirmation = Confirmation(check.signer or prepared.signatory_name,
                                prepared.signatory_function, True)
    return _store(prepared, signed, method="own_certificate", user=user, actor=actor,
                  confirmation=confirmation,
                  signer_subject=", ".join(p for p in (check.signer, check.organization,
                                                       check.email) if p),
                  seal_subject=seal_subject, issued=None, now=now, trusted=check.trusted,
                  trust_note=result.reason)


# --- signed copies -----------------------------------------------------------------------

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
        data = _checked(storage.get(file.file_key), file.sha256, file.file_key)
    except (IntegrityAlert, storage.StorageError) as error:
        _alert(agreement, file, str(error), actor)
        raise IntegrityAlert(str(error)) from error
    audit.record(f"agreement.{purpose}", actor=actor, organization=agreement.organization_id,
                 obj=agreement, details={"document": agreement.public_id,
                                         "version": file.version, "sha256": file.sha256})
    db.session.commit()
    return data


def report_for(agreement: SignedAgreement, actor: Actor) -> validation.Report:
    data = signed_pdf(agreement, actor, purpose="report")
    return validation.inspect(data, trust.trust_roots())


def _checked(data: bytes, expected: str, key: str) -> bytes:
    if validation.sha256(data) != expected:
        raise IntegrityAlert(f"stored file {key} does not match its SHA-256")
    return data


def _alert(agreement: SignedAgreement, file: AgreementFile, problem: str, actor: Actor) -> None:
    log.error("integrity alert for %s version %s: %s", agreement.public_id, file.version,
              problem)
    db.session.rollback()
    audit.record("agreement.integrity_alert", actor=actor,
                 organization=agreement.organization_id, obj=agreement,
                 details={"document": agreement.public_id, "version": file.version,
                          "problem": problem})
    for admin in users.active_staff_admins():
        mail.send("integrity_alert", admin.email,
                  _("Integrity alert: stored agreement %(id)s", id=agreement.public_id),
                  agreement=agreement, file=file, problem=problem, name=admin.name)
    db.session.commit()


# --- verification ------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """A checked upload that equals a version we keep."""

    agreement: SignedAgreement
    version: int
    latest_file: bool


def match(sha256: str) -> Match | None:
    # Unscoped: whoever holds the file may learn which record it is, nothing more.
    file = db.session.scalar(select(AgreementFile).where(AgreementFile.sha256 == sha256)
                             .order_by(AgreementFile.id.desc()).limit(1)
                             .execution_options(unscoped=True))
    if file is None:
        return None
    agreement = db.session.scalar(select(SignedAgreement)
                                  .where(SignedAgreement.id == file.agreement_id)
                                  .execution_options(unscoped=True))
    latest = db.session.scalar(select(func.max(AgreementFile.id))
                               .where(AgreementFile.agreement_id == file.agreement_id)
                               .execution_options(unscoped=True))
    return Match(agreement, file.version, file.id == latest)


def verify_upload(data: bytes) -> tuple[validation.Report, Match | None]:
    """Validate an uploaded PDF (raises NotAPdf) and look for a matching stored version."""
    report = validation.inspect(data, trust.trust_roots())
    return report, match(report.sha256)


# --- long-term validity ------------------------------------------------------------------

@dataclass(frozen=True)
class RenewalResult:
    renewed: list[str]
    failed: list[tuple[str, str]]


def renew_due(actor: Actor, now: datetime | None = None) -> RenewalResult:
    """Add a fresh archive timestamp to every stored agreement whose last one ages."""
    now = now or utcnow()
    due = db.session.scalars(
        select(AgreementFile).where(AgreementFile.renew_after <= now)
        .where(AgreementFile.id.in_(select(func.max(AgreementFile.id))
                                    .group_by(AgreementFile.agreement_id)))
        .order_by(AgreementFile.id)).all()
    renewed, failed = [], []
    for file in due:
        agreement = file.agreement
        try:
            renew(agreement, actor, now)
            renewed.append(agreement.public_id)
        except Exception as error:  # one bad file must not stop the others
            db.session.rollback()
            log.exception("renewal of %s failed", agreement.public_id)
            failed.append((agreement.public_id, str(error)))
    return RenewalResult(renewed, failed)


def renew(agreement: SignedAgreement, actor: Actor, now: datetime | None = None) -> AgreementFile:
    """One renewal: the previous bytes stay as their own version."""
    now = now or utcnow()
    file = agreement.file
    data = _checked(storage.get(file.file_key), file.sha256, file.file_key)
    auth = trust.authority()
    certs = [auth.signing_ca.cert, auth.tsa.cert, auth.seal.cert]
    fresh = signing.renew(data, trust.timestamper(at=now if not trust.external_tsa() else None),
                          trust_roots=trust.trust_roots(),
                          revocation=trust.revocation(certs, now), at=now,
                          allow_fetching=trust.external_tsa())
    sha = validation.sha256(fresh)
    with storage.staged():
        key = storage.put(fresh, "signed")
        new = AgreementFile(organization_id=agreement.organization_id, agreement_id=agreement.id,
                            version=file.version + 1, reason="renewed", sha256=sha,
                            size=len(fresh), file_key=key, last_timestamp_at=now,
                            renew_after=_renew_after(now), created_at=now)
        db.session.add(new)
        audit.record("agreement.timestamp_renewed", actor=actor,
                     organization=agreement.organization_id, obj=agreement,
                     details={"document": agreement.public_id, "version": new.version,
                              "previous_sha256": file.sha256, "sha256": sha})
        db.session.commit()
    db.session.refresh(agreement)
    return new


# --- the PDF's extra pages -----------------------------------------------------------------

def _spec(org: Organization, rev: ChoiceRevision, public_id: str, now: datetime,
          name: str, function: str, *, signed_on: datetime | None = None,
          evidence: tuple[tuple[str, str], ...] = ()) -> pdf.PdfSpec:
    choices = rev.choices
    when = dutch_date(_dutch_time(signed_on).date()) if signed_on else "bij ondertekening"
    export = json.dumps(agreements.export_data(org, rev), ensure_ascii=False, indent=2)
    return pdf.PdfSpec(
        document_id=public_id,
        verify_url=mail.link("verify.status", public_id=public_id),
        created=now,
        footer=f"Verwerkersovereenkomst {org.customer_number} · document {public_id}",
        signatures=(
            pdf.SignatureBlock(CUSTOMER_ROLE, org.name, (
                ("Naam", name), ("Functie", function),
                ("Bevoegdheid", AUTHORITY_TEXT.get(choices.signatory.authority, "–")),
                ("Datum", when))),
            pdf.SignatureBlock(PROVIDER_ROLE, current_app.config["PKI_ORGANIZATION"], (
                ("Namens", "Verwerker, met elektronisch zegel"), ("Datum", when))),
        ),
        evidence=evidence,
        subprocessors=_subprocessor_lines(org),
        objections=_objection_lines(org),
        attachments=(pdf.Attachment(
            "bijlage-1-keuzes.json", export.encode(),
            "De keuzes van Verwerkingsverantwoordelijke voor Bijlage 1 (machineleesbaar)"),),
    )


BASIS_TEXT = {"adequacy": "adequaatheidsbesluit", "scc": "modelcontractbepalingen",
              "bcr": "bindende bedrijfsvoorschriften", "derogation": "uitzondering (AVG art. 49)"}
STATUS_TEXT = {"submitted": "ingediend", "in_review": "in behandeling", "resolved": "afgehandeld"}
RESOLUTION_TEXT = {"not_used": "subverwerker wordt niet voor Verwerkingsverantwoordelijke "
                               "gebruikt", "withdrawn": "ingetrokken",
                   "terminates_service": "Verwerkingsverantwoordelijke beëindigt de dienst"}


def _subprocessor_lines(org: Organization) -> tuple[pdf.SubProcessorLine, ...]:
    from portal.services import subprocessors

    lines = []
    for sp in subprocessors.for_organization(org):
        if sp.status != "active":
            continue
        note = ""
        if sp.outside_eea:
            note = f"buiten de EU/EER; grondslag: {BASIS_TEXT.get(sp.transfer_basis, '–')}"
        lines.append(pdf.SubProcessorLine(f"{sp.name} ({sp.legal_entity})", sp.activity,
                                          ", ".join(sp.countries), note))
    return tuple(lines)


def _objection_lines(org: Organization) -> tuple[str, ...]:
    from portal.services import objections

    lines = []
    for objection in reversed(objections.for_organization(org)):
        ann = objection.announcement
        text = (f"{ann.subprocessor.name} (wijziging per {dutch_date(ann.effective_on)}): "
                f"bezwaar van {dutch_date(objection.created_at.date())}, "
                f"{STATUS_TEXT.get(objection.status, objection.status)}")
        if objection.resolution:
            text += f" – {RESOLUTION_TEXT.get(objection.resolution, objection.resolution)}"
        lines.append(text)
    return tuple(lines)


def _evidence(prepared: PreparedDocument, confirmation: Confirmation, user: User,
              session: UserSession | None, actor: Actor, now: datetime,
              customer: pki.Credential, auth: pki.Authority) -> tuple[tuple[str, str], ...]:
    if session is not None:
        method = "wachtwoord en tweestapsverificatie (TOTP)" if session.used_totp \
            else "wachtwoord"
        confirmed = _moment(session.authenticated_at)
        auth_text = f"Inloggen met {method}; identiteit opnieuw bevestigd op {confirmed}"
    else:
        auth_text = "onbekend"
    return (
        ("Document", prepared.public_id),
        ("Overeenkomst", f"versie {prepared.template.version}, keuzes revisie "
                         f"{prepared.revision.number}"),
        ("Ondertekenaar", f"{confirmation.name}, {confirmation.function}"),
        ("Bevoegdheid", "bevestigd door de ondertekenaar" if confirmation.authority_confirmed
         else "niet bevestigd"),
        ("E-mailadres", user.email),
        ("Tijdstip", _moment(now)),
        ("Authenticatie", auth_text),
        ("IP-adres", actor.ip or "onbekend"),
        ("Browser", (actor.user_agent or "onbekend")[:300]),
        ("SHA-256 van het ongetekende document", grouped(prepared.sha256)),
        ("Certificaat ondertekenaar", f"eenmalig, uitgegeven door "
                                      f"{auth.signing_ca.cert.subject.rfc4514_string()}, "
                                      f"serienummer {customer.cert.serial_number:x}; de sleutel "
                                      f"is na deze handtekening vernietigd"),
    )


AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _dutch_time(moment: datetime) -> datetime:
    return moment.astimezone(AMSTERDAM)


def _moment(moment: datetime) -> str:
    local = _dutch_time(moment)
    return (f"{dutch_date(local.date())} {local:%H:%M:%S} Nederlandse tijd "
            f"({moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)")


def grouped(digest: str, size: int = 8) -> str:
    """A hash in groups, so it wraps on paper and is easy to compare by eye."""
    return " ".join(digest[i:i + size] for i in range(0, len(digest), size))


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
        from portal.services import ServiceErrors

        raise ServiceErrors(problems)


def _new_public_id(org: Organization) -> str:
    return f"{org.customer_number}-{secrets.token_hex(6).upper()}"
