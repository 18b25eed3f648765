"""Functions run in separate processes by the concurrency tests (must be importable)."""

from __future__ import annotations

from portal.app import create_app
from portal.extensions import db
from portal.services import audit
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
