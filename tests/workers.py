"""Functions run in separate processes by the concurrency tests (must be importable)."""

from __future__ import annotations

import os
import signal

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.app import create_app
from portal.extensions import db
from portal.models import Organization, User
from portal.services import audit, preparation
from portal.services.context import cli_actor


def append_audit_events(database_url: str, instance: str, worker: int, count: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                      "SECRET_KEY": "test-secret-key-with-enough-length-0123456789"})
    with app.app_context():
        actor = cli_actor(f"worker-{worker}")
        for i in range(count):
            audit.record("test.concurrent", actor=actor, details={"worker": worker, "i": i})
            db.session.commit()
        db.engine.dispose()


def prepare_and_die_before_commit(database_url: str, instance: str, org_id: int,
                                  user_id: int) -> None:
    """Prepare a customer's document and be killed (SIGKILL) as the row is committed: the
    crash that leaves a complete, encrypted file that no row names."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                      "SECRET_KEY": "test-secret-key-with-enough-length-0123456789",
                      "PUBLIC_URL": "http://portal.test"})
    with app.app_context():
        event.listen(Session, "before_commit",
                     lambda session: os.kill(os.getpid(), signal.SIGKILL))
        org = db.session.get(Organization, org_id)
        preparation.prepare(org, db.session.get(User, user_id), cli_actor("crash"))
