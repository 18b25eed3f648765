"""Telling Voxio's staff administrators that something on our side failed, so that a user's
"try again later" is followed by someone fixing it.

The failure is logged at once (one line, no traceback: the cause is known); a task records it
in the audit log and e-mails the staff administrators, at most once an hour per kind of
failure, so a full disk during a busy hour gives one e-mail, not hundreds.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, User, utcnow
from portal.services import audit, mail, monitoring, users
from portal.services.context import Actor
from portal.tasks import app_context, huey

log = logging.getLogger(__name__)

MAIL_AT_MOST_EVERY = timedelta(hours=1)


def storage_fault(operation: str, error: Exception, actor: Actor) -> None:
    """A document could not be written (read-only folder, full disk, I/O error)."""
    log.error("storage fault during %s: %s", operation, error)
    record_storage_fault(operation, str(error)[:300], actor.user.id if actor.user else None,
                         actor.label, actor.ip, actor.user_agent)


@huey.task(retries=3, retry_delay=30)
def record_storage_fault(operation: str, problem: str, user_id: int | None, label: str,
                         ip: str | None, user_agent: str | None) -> None:
    with app_context():
        user = db.session.get(User, user_id) if user_id else None
        actor = Actor(user=user, ip=ip, user_agent=user_agent,
                      label_override=None if user else label)
        recent = db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "storage.fault",
            AuditEvent.created_at > utcnow() - MAIL_AT_MOST_EVERY).limit(1))
        audit.record("storage.fault", actor=actor,
                     organization=user.organization_id if user else None,
                     details={"operation": operation, "problem": problem,
                              "mailed": recent is None})
        monitoring.raise_alert("storage", _("documents cannot be written"),
                               f"{operation}: {problem}", send=False)  # mailed below
        if recent is None:
            for admin in users.active_staff_admins():
                mail.send("storage_fault", admin.email,
                          _l("Storage fault: documents cannot be written"), locale=admin.locale,
                          operation=operation, problem=problem, name=admin.name)
        db.session.commit()
