"""The database connection: pooled PostgreSQL connections survive a server restart."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event


def test_connections_lost_to_a_server_restart_cost_no_request(app, db, client):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server connection to lose")
    engine = db.engine
    name = engine.url.database
    assert client.get("/healthz").status_code == 200
    checked = []
    event.listen(engine, "checkout", lambda *args: checked.append(1))
    # what a restart does to every connection the pool holds
    with psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False), autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchone()[0]
    assert killed >= 1
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert checked  # the pool checked its connections out again, and the dead one was replaced
