"""The public verify page: what an uploaded PDF proves, and whether we keep that very file."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.documents.pades import validation
from portal.extensions import db
from portal.models import AgreementFile, SignedAgreement
from portal.services import ServiceError, trust


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
        raise Unreadable(_("This file is not a PDF we can read. Upload the signed agreement as "
                           "you received it (a .pdf file)."), "file") from error
    return report, match(report.sha256)


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
