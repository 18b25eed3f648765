"""Signing with the customer's own certificate: it signs the prepared PDF elsewhere (Acrobat,
a qualified signature card) and uploads it; the portal checks it and Voxio countersigns."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.documents.contract import Signatory
from portal.documents.pades import signing as pades
from portal.documents.pades import validation
from portal.models import (
    Permission,
    PreparedDocument,
    SignedAgreement,
    SigningMethod,
    User,
    utcnow,
)
from portal.services import (
    ServiceError,
    alerts,
    preparation,
    require,
    signed_copies,
    signing,
    storage,
    trust,
    verification,
)
from portal.services.context import Actor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadCheck:
    """Why an uploaded signed PDF was accepted or refused, in plain words."""

    accepted: bool
    reason: str
    signature: validation.SignatureCheck | None = None


def several_signatories() -> ServiceError:
    """Several signatories sign in turn in the portal, each with a one-shot certificate."""
    return ServiceError(_("Your agreement names several signatories: each signs in turn here "
                          "in the portal. Signing with your own certificate is for one "
                          "signatory."))

def check(prepared: PreparedDocument, data: bytes) -> UploadCheck:
    """Accept only the prepared bytes plus exactly one valid signature over the whole file."""
    original = preparation.prepared_pdf(prepared)
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
    found = report.signatures[0]
    if found.signed_until != len(data) or found.revision != 1:
        return UploadCheck(False, _("The signature does not cover the whole file: something "
                                     "was added after signing."), found)
    if not (found.intact and found.valid):
        return UploadCheck(False, _("The signature is not valid: the file was changed after "
                                     "signing, or the signature is damaged."), found)
    if not found.timestamped:
        return UploadCheck(False, _("Your signature has no timestamp, so nobody could prove "
                                    "later when you signed: every check would call it ‘cannot "
                                    "be confirmed’. Set up a timestamp server in your signing "
                                    "software (step 2), sign the downloaded PDF again and "
                                    "upload that file."), found)
    return UploadCheck(True, "", found)


def accept(prepared: PreparedDocument, data: bytes, user: User,
           actor: Actor) -> SignedAgreement:
    """Countersign a PDF the customer signed elsewhere, after :func:`check`."""
    require(user, Permission.SIGN)
    if len(preparation.frozen_of(prepared).signatories) > 1:
        raise several_signatories()
    existing = signed_copies.for_prepared(prepared)
    if existing is not None:
        return existing
    signing.check_signable(prepared)
    result = check(prepared, data)
    if not result.accepted:
        raise ServiceError(result.reason, field="file")
    try:
        return _countersign(prepared, data, user, actor)
    except pades.SigningError as error:
        log.exception("countersigning %s failed", prepared.public_id)
        raise signing.SigningFailed(_("Countersigning failed on our side; nothing was stored. "
                                      "Please try again in a few minutes.")) from error
    except storage.StorageUnavailable as error:
        alerts.storage_fault("countersigning", error, actor)
        raise signing.SigningFailed(_(
            "Countersigning failed on our side: the document could not be stored, so nothing "
            "was stored. Voxio's staff have been alerted; please try again later.")) from error


def _countersign(prepared: PreparedDocument, data: bytes, user: User,
                 actor: Actor) -> SignedAgreement:
    now = utcnow()
    auth = trust.authority()
    # the customer's chain and its timestamp authority's, with their validation data, go into
    # the seal's revision: the customer signature reaches B-LTA with the seal's archive stamp
    theirs = validation.embedded_certificates(data)
    revocation = trust.validation_data(
        [auth.signing_ca.cert, auth.tsa.cert, auth.seal.cert, *theirs], now)
    with trust.seal() as seal:
        signed = signing.countersign(data, seal, revocation, earlier_certs=theirs)
        seal_subject = seal.subject
    report = validation.inspect(signed, trust.trust_roots())
    provider = report.signatures[-1] if report.signatures else None
    if provider is None or not provider.ok or not all(s.intact and s.valid
                                                      for s in report.signatures):
        raise pades.SigningError("the countersigned document does not validate")
    # what we tell the customer is what the stored report and the verify page say
    found = report.signatures[0]
    return signed_copies.record(
        prepared, signed, method=SigningMethod.OWN_CERTIFICATE, user=user, actor=actor,
        signatory=Signatory(found.signer or prepared.signatory_name,
                            prepared.signatory_function),
        signer_subject=", ".join(p for p in (found.signer, found.organization, found.email) if p),
        seal_subject=seal_subject, issued=None, now=now, trusted=found.ok,
        trust_note=verification.trust_text(found))
