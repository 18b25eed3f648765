"""Monitoring of the portal's own measures (Bijlage 2): staff are alerted, in the portal and
by e-mail, when the audit chain breaks, a stored document fails its integrity check, sign-in
failures or refused accesses come in a burst, or the task queue stops working.

``flask monitor check`` runs the checks (every few minutes, from cron); integrity and storage
faults raise their alert where they are found. An alert stays open until a staff member
acknowledges it; while open, a repeat counts on it instead of mailing again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Heartbeat, StaffAlert, utcnow
from portal.services import audit, mail, users
from portal.services.context import Actor
from portal.tasks import app_context, huey

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
KINDS = ("audit_chain", "integrity", "storage", "failed_sign_ins", "refused_access",
         "task_queue")


@dataclass(frozen=True)
class Finding:
    kind: str
    summary: str
    details: str = ""


def raise_alert(kind: str, summary: str, details: str = "", now: datetime | None = None, *,
                send: bool = True) -> StaffAlert:
    """Open an alert of ``kind`` (mailing staff administrators unless ``send`` is off: the
    finder mails in its own words), or count a repeat on the open one. The caller commits."""
    now = now or utcnow()
    alert = db.session.scalar(select(StaffAlert).where(
        StaffAlert.kind == kind, StaffAlert.acknowledged_at.is_(None)).limit(1))
    if alert is not None:
        alert.count += 1
        alert.last_seen_at = now
        alert.details = details[:4000] or alert.details
        return alert
    alert = StaffAlert(kind=kind, summary=summary[:300], details=details[:4000], count=1,
                       created_at=now, last_seen_at=now)
    db.session.add(alert)
    log.error("staff alert (%s): %s", kind, summary)
    for admin in users.active_staff_admins() if send else ():
        mail.send("staff_alert", admin.email, _l("Portal alert: %(summary)s", summary=summary),
                  locale=admin.locale, name=admin.name, summary=summary, details=details)
    return alert


def open_alerts() -> list[StaffAlert]:
    return list(db.session.scalars(select(StaffAlert).where(StaffAlert.acknowledged_at.is_(None))
                                   .order_by(StaffAlert.created_at.desc())))


def acknowledge(alert: StaffAlert, actor: Actor) -> None:
    if alert.acknowledged_at is not None:
        return
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = actor.user.id if actor.user else None
    audit.record("monitoring.alert_acknowledged", actor=actor, obj=alert,
                 details={"kind": alert.kind, "summary": alert.summary, "count": alert.count})
    db.session.commit()


def check(now: datetime | None = None) -> list[Finding]:
    """Run every check; open or count an alert per finding; enqueue the next heartbeat."""
    now = now or utcnow()
    findings = [*_audit_chain(), *_bursts(now), *_task_queue(now)]
    for finding in findings:
        raise_alert(finding.kind, finding.summary, finding.details, now)
    heartbeat = Heartbeat(enqueued_at=now)
    db.session.add(heartbeat)
    db.session.commit()
    beat(heartbeat.id)
    return findings


def _audit_chain() -> list[Finding]:
    report = audit.verify_chain()
    if report.ok:
        return []
    return [Finding("audit_chain", _("the audit log's chain is broken at event #%(seq)s",
                                      seq=report.broken_seq), report.reason)]


def _bursts(now: datetime) -> list[Finding]:
    cfg = current_app.config
    found = []
    for kind, actions, limit, text in (
            ("failed_sign_ins", ("auth.login_failed", "auth.second_factor_failed"),
             cfg["ALERT_FAILED_SIGN_INS"], _l("%(num)d failed sign-ins in 15 minutes")),
            ("refused_access", ("access.refused",), cfg["ALERT_REFUSED_ACCESS"],
             _l("%(num)d refused accesses in 15 minutes"))):
        count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(actions), AuditEvent.created_at > now - WINDOW)
            .execution_options(unscoped=True))
        if count >= limit:
            found.append(Finding(kind, str(text) % {"num": count},
                                 _("the alert starts at %(limit)d; the audit log shows them",
                                   limit=limit)))
    return found


def _task_queue(now: datetime) -> list[Finding]:
    """The heartbeat enqueued by the previous check must have run by now."""
    minutes = current_app.config["ALERT_QUEUE_MINUTES"]
    stale = db.session.scalar(select(Heartbeat).where(
        Heartbeat.processed_at.is_(None),
        Heartbeat.enqueued_at < now - timedelta(minutes=minutes))
        .order_by(Heartbeat.enqueued_at).limit(1))
    if stale is None:
        return []
    return [Finding("task_queue", _("the task queue has not run a task for %(num)d minutes",
                                     num=minutes),
                    _("a check task queued at %(when)s UTC has not run: is the worker (flask "
                      "tasks worker) running?", when=f"{stale.enqueued_at:%Y-%m-%d %H:%M}"))]


@huey.task(retries=2, retry_delay=10)
def beat(heartbeat_id: int) -> None:
    with app_context():
        row = db.session.get(Heartbeat, heartbeat_id)
        if row is not None and row.processed_at is None:
            row.processed_at = utcnow()
            # older beats are superseded: one that ran proves the queue runs
            for old in db.session.scalars(select(Heartbeat).where(Heartbeat.id < heartbeat_id)):
                db.session.delete(old)
            db.session.commit()

