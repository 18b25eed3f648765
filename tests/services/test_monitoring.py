"""Bijlage 2, monitoring of the measures: staff are alerted in the portal and by e-mail when
the audit chain breaks, failures come in a burst or the task queue stops, once per problem."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import AuditEvent, Heartbeat, Role, StaffAlert, utcnow
from portal.services import audit, mail, monitoring
from portal.services.context import cli_actor
from tests.factories import ALL_ROLES
from tests.helpers import csrf_token
from tests.services.test_audit import _disable_append_only


def _alerts(kind: str) -> list[StaffAlert]:
    return list(db.session.scalars(select(StaffAlert).where(StaffAlert.kind == kind)))


def test_a_broken_audit_chain_alerts_staff_once_until_acknowledged(
        db, runner, auth, create_staff, mailbox, task_worker):
    admin = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    for i in range(3):
        audit.record("test.event", actor=cli_actor("test"), details={"i": i})
    db.session.commit()
    task_worker()
    assert runner.invoke(args=["monitor", "check"]).exit_code == 0  # all is well
    _disable_append_only()
    db.session.execute(text("UPDATE audit_events SET action = 'weggepoetst' WHERE seq = 2"))
    db.session.commit()
    first = runner.invoke(args=["monitor", "check"])
    assert first.exit_code == 1 and "audit_chain" in first.output
    runner.invoke(args=["monitor", "check"])  # still broken: counted, not mailed again
    db.session.expire_all()
    (alert,) = _alerts("audit_chain")
    assert alert.count == 2 and "#2" in alert.summary
    mail.drain()
    assert len(mailbox.to(admin.email)) == 1
    auth.login_user(admin)
    page = auth.client.get("/").get_data(as_text=True)
    assert "1 open melding" in page and alert.summary in page
    done = auth.client.post(f"/staff/alerts/{alert.id}/acknowledge",
                            data={"csrf_token": csrf_token(auth.client, "/")})
    assert done.status_code == 302
    assert "open melding" not in auth.client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "monitoring.alert_acknowledged")) == 1


def test_a_burst_of_failed_sign_ins_alerts_staff(app, db, client, create_org, create_user,
                                                 task_worker):
    app.config.update(ALERT_FAILED_SIGN_INS=3)
    user = create_user(create_org(), ALL_ROLES)
    for _ in range(3):
        client.post("/login", data={"csrf_token": csrf_token(client), "email": user.email,
                                    "password": "niet het wachtwoord"})
    findings = monitoring.check()
    assert [f.kind for f in findings] == ["failed_sign_ins"]
    assert _alerts("failed_sign_ins")[0].summary == "3 mislukte inlogpogingen in 15 minuten"


def test_a_stalled_task_queue_alerts_staff_and_a_running_one_does_not(db, request):
    start = utcnow()
    assert monitoring.check(start) == []  # enqueues a heartbeat; no worker is running
    later = start + timedelta(minutes=20)
    assert [f.kind for f in monitoring.check(later)] == ["task_queue"]
    wait = request.getfixturevalue("task_worker")  # the worker starts
    wait(lambda: db.session.scalar(select(func.count()).select_from(Heartbeat).where(
        Heartbeat.processed_at.is_(None))) == 0)
    assert monitoring.check(later + timedelta(minutes=1)) == []
