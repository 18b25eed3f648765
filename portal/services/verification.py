"""The public verify page: what an uploaded PDF proves, and whether we keep that very file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.documents.pades import validation, verify
from portal.extensions import db
from portal.models import AgreementFile, SignedAgreement
from portal.services import ServiceError, trust

log = logging.getLogger(__name__)

VERDICT_LABELS = {validation.PASSED: _l("valid"),
                  validation.INDETERMINATE: _l("cannot be confirmed"),
                  validation.FAILED: _l("invalid")}


def trust_text(check: validation.SignatureCheck) -> str:
    """Whether a signature's certificate is trusted, in the words the verify page, the stored
    report and the message after an upload all use: one wording, so they cannot disagree."""
    if not (check.intact and check.valid):
        return _("not applicable: the signature itself is invalid")
    if check.trusted and check.verdict == validation.PASSED:
        return _("certificate chain trusted, with revocation proof")
    if check.kind == "signature" and not check.timestamped:
        return _("cannot be confirmed: the signature has no timestamp, so nobody can prove "
                 "when it was made")
    if check.problem in ("NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_CONSTRAINTS_FAILURE"):
        return _("issuer not in our trust list (%(issuer)s)", issuer=check.issuer or "?")
    if check.problem == "REVOKED":
        return _("the certificate was revoked")
    return _("not confirmed (%(problem)s)", problem=check.problem or "?")


class Unreadable(ServiceError):
    """The upload is not a PDF we can read."""


@dataclass(frozen=True)
class Match:
    """A checked upload that equals a version we keep."""

    agreement: SignedAgreement
    version: int
    latest_file: bool


def verify_upload(data: bytes) -> tuple[validation.Report, Match | None]:
    """Validate an uploaded PDF and look for a matching stored version."""
    try:
        report = validation.inspect(data, trust.trust_roots())
    except validation.NotAPdf as error:
        log.info("verify: unreadable upload: %s", str(error)[:200])  # one line, no traceback
        raise Unreadable(_("This file is not a PDF we can read. Upload the signed agreement as "
                           "you received it (a .pdf file)."), "file") from error
    return report, match(report.sha256)


def check_file(data: bytes, at: datetime | None = None) -> tuple[str, dict, bool]:
    """``flask agreements verify``: the report as text and as a dict, and whether it is valid.

    Offline like the verify page: our trust roots and the proof inside the file; and, since we
    have the database at hand, which kept version (if any) the file is.
    """
    report = validation.inspect(data, trust.trust_roots(), at=at)
    found = match(report.sha256)
    record = (f"document {found.agreement.public_id}, version {found.version}"
              f" ({'the newest' if found.latest_file else 'a newer one is kept'})"
              if found else "not a file this portal keeps")
    text = verify.describe(report) + f"\nrecord    {record}"
    return text, {**report.to_dict(), "record": found and {
        "document": found.agreement.public_id, "version": found.version,
        "newest": found.latest_file}}, report.ok


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
