"""Keeping signed agreements valid for years: fresh archive timestamps before the last one's
proof ages (PAdES B-LTA, ETSI EN 319 102-1). Earlier bytes stay as their own version."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.documents.pades import offline, signing, validation
from portal.extensions import db
from portal.models import AgreementFile, FileReason, Permission, SignedAgreement, utcnow
from portal.services import audit, integrity, mail, storage, trust, users
from portal.services.context import Actor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenewalResult:
    renewed: list[str]
    failed: list[tuple[str, str]]


RENEW_MARGIN = timedelta(days=7)  # renew this long before a file's own proof runs out


def renew_after(last_stamp: datetime, offline_until: datetime | None = None) -> datetime:
    """When a file stamped at ``last_stamp`` is due for a fresh archive timestamp: after the
    set interval, or earlier if the proof it carries for that timestamp runs out sooner (a
    trust service's short-lived CRLs), but never sooner than a day (the file grows with each)."""
    due = last_stamp + timedelta(days=current_app.config["TIMESTAMP_RENEW_DAYS"])
    if offline_until is not None:
        due = min(due, max(offline_until - RENEW_MARGIN, last_stamp + timedelta(days=1)))
    return due


def offline_until(pdf: bytes) -> datetime | None:
    """Until when a downloaded copy of ``pdf`` can be checked offline (see the engine); for
    a file :func:`validation.check_own` just passed, from the reader it used."""
    return offline.remembered(pdf, validation.open_pdf)


def notice_window() -> timedelta:
    """Customers hear of a renewed copy once the copy they were last told about has this
    little offline validity left: at least a month's notice, one e-mail in about ten months
    with the embedded PKI's year-long proof, not one per renewal."""
    return timedelta(days=current_app.config["TIMESTAMP_RENEW_DAYS"] + 30)


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
    data = integrity.checked(storage.get(file.file_key), file.sha256, file.file_key)
    auth = trust.authority()
    certs = [auth.signing_ca.cert, auth.tsa.cert, auth.seal.cert]
    # certificates from elsewhere (a customer's own, an external seal or TSA): their CAs are
    # asked for fresh proof; ours is made here
    fetch = trust.external_tsa() or trust.from_elsewhere(validation.embedded_certificates(data))
    fresh = signing.renew(data, trust.timestamper(at=now if not trust.external_tsa() else None),
                          trust_roots=trust.trust_roots(),
                          revocation=trust.revocation(certs, now), at=now,
                          allow_fetching=fetch)
    report = validation.inspect(fresh, trust.trust_roots(), at=now)
    if not report.ok:  # never replace a copy that validates with one that does not
        raise signing.SigningError("the renewed file does not validate: " + "; ".join(
            f"{c.field or c.signer}: {c.verdict} {c.problem}".strip()
            for c in (*report.signatures, *report.timestamps) if c.verdict != "passed"))
    sha = validation.sha256(fresh)
    with storage.staged():
        key = storage.put(fresh, "signed")
        new = AgreementFile(organization_id=agreement.organization_id, agreement_id=agreement.id,
                            version=file.version + 1, reason=FileReason.RENEWED, sha256=sha,
                            size=len(fresh), file_key=key, last_timestamp_at=now,
                            renew_after=renew_after(now, report.offline_until),
                            created_at=now, offline_until=report.offline_until)
        db.session.add(new)
        told = _last_announced(agreement)
        if told is None or told.offline_until is None or \
                told.offline_until - now <= notice_window():
            new.announced_at = now
            _notify_renewed(agreement, told, new)
        audit.record("agreement.timestamp_renewed", actor=actor,
                     organization=agreement.organization_id, obj=agreement,
                     details={"document": agreement.public_id, "version": new.version,
                              "previous_sha256": file.sha256, "sha256": sha})
        db.session.commit()
    db.session.refresh(agreement)
    return new


def _last_announced(agreement: SignedAgreement) -> AgreementFile | None:
    return db.session.scalar(select(AgreementFile)
                             .where(AgreementFile.agreement_id == agreement.id)
                             .where(AgreementFile.announced_at.is_not(None))
                             .order_by(AgreementFile.version.desc()).limit(1))


def _notify_renewed(agreement: SignedAgreement, told: AgreementFile | None,
                    new: AgreementFile) -> None:
    """Tell the customer's owners (and the signatory) that a copy checkable for longer is ready."""
    org = agreement.organization
    recipients = {u.email: u for u in users.holding(org, Permission.RECEIVE_NOTICES)}
    if agreement.signed_by is not None and agreement.signed_by.active:
        recipients.setdefault(agreement.signed_by.email, agreement.signed_by)
    for email, user in recipients.items():
        mail.send("agreement_renewed", email,
                  _l("A renewed copy of your signed agreement is ready"), locale=user.locale,
                  agreement=agreement, organization=org, name=user.name, told=told, new=new)
