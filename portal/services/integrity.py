"""Stored files are checked against their recorded SHA-256 before anyone gets them.

A mismatch (or a missing or undecryptable file) is never served: the caller gets
:class:`IntegrityAlert`, the error is logged at once, and a task records it in the audit log
and mails the staff administrators, in a transaction of its own. The caller's transaction is
left alone: a download that finds a damaged file neither commits nor rolls back what its
caller had open (on SQLite its transaction holds the write lock, so the alert could not be
written beside it anyway).
"""

from __future__ import annotations

import logging
import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.documents.pades import validation
from portal.extensions import db
from portal.models import AuditEvent, SignedAgreement, User
from portal.services import audit, mail, monitoring, users
from portal.services.context import Actor
from portal.tasks import app_context, huey

log = logging.getLogger(__name__)


class IntegrityAlert(RuntimeError):
    """A stored file does not match its recorded SHA-256: never serve it."""


def checked(data: bytes, expected: str, key: str) -> bytes:
    """``data`` if its SHA-256 is ``expected``; else :class:`IntegrityAlert`."""
    if validation.sha256(data) != expected:
        raise IntegrityAlert(f"stored file {key} does not match its SHA-256")
    return data


def alert(agreement: SignedAgreement, version: int, problem: str, actor: Actor) -> str:
    """Log the problem now; record it and tell staff administrators in a task of its own.

    Returns the alert's id, which its audit event carries.
    """
    alert_id = uuid.uuid4().hex
    log.error("integrity alert %s for %s version %s: %s", alert_id, agreement.public_id,
              version, problem)
    record_alert(alert_id, agreement.id, version, problem,
                 actor.user.id if actor.user else None, actor.label, actor.ip, actor.user_agent)
    return alert_id


@huey.task(retries=3, retry_delay=30)
def record_alert(alert_id: str, agreement_id: int, version: int, problem: str,
                 user_id: int | None, label: str, ip: str | None, user_agent: str | None) -> None:
    """The audit event and the mails, once: a retried or repeated task finds its event."""
    with app_context():
        recorded = db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "agreement.integrity_alert",
            AuditEvent.details.contains(alert_id)).limit(1))
        if recorded is not None:
            return
        user = db.session.get(User, user_id) if user_id else None
        actor = Actor(user=user, ip=ip, user_agent=user_agent,
                      label_override=None if user else label)
        agreement = db.session.get(SignedAgreement, agreement_id)
        audit.record("agreement.integrity_alert", actor=actor,
                     organization=agreement.organization_id, obj=agreement,
                     details={"alert": alert_id, "document": agreement.public_id,
                              "version": version, "problem": problem})
        monitoring.raise_alert(
            "integrity", _("stored agreement %(id)s failed its integrity check",
                           id=agreement.public_id),
            f"v{version}: {problem}", send=False)  # mailed below, in its words
        for admin in users.active_staff_admins():
            mail.send("integrity_alert", admin.email,
                      _l("Integrity alert: stored agreement %(id)s", id=agreement.public_id),
                      locale=admin.locale, agreement=agreement, version=version,
                      problem=problem, name=admin.name)
        db.session.commit()
