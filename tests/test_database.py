"""The database connection: pooled PostgreSQL connections survive a server restart; on SQLite
readers run beside a writer, and writers take turns."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, event, select, update

from portal.database import tune

TABLE = Table("counter", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer))


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = tune(create_engine(f"sqlite:///{tmp_path / 'lock.db'}"))
    TABLE.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(TABLE.insert().values(id=1, n=1))
    yield engine
    engine.dispose()


def test_a_reading_transaction_does_not_hold_up_a_writer_on_sqlite(sqlite_engine):
    with sqlite_engine.connect() as reader, sqlite_engine.connect() as writer:
        writer.exec_driver_sql("PRAGMA busy_timeout = 300")
        assert reader.execute(select(TABLE.c.n)).scalar_one() == 1  # a page being read
        started = time.monotonic()
        writer.execute(update(TABLE).values(n=2))
        writer.commit()  # would wait 300 ms and fail if the reader held the write lock
        assert time.monotonic() - started < 0.25
        reader.rollback()


def test_a_transaction_that_read_first_writes_on_the_latest_data_on_sqlite(sqlite_engine):
    with sqlite_engine.connect() as first, sqlite_engine.connect() as second:
        assert first.execute(select(TABLE.c.n)).scalar_one() == 1  # its snapshot: n = 1
        second.execute(update(TABLE).values(n=2))
        second.commit()
        # locking for the write starts afresh, so it reads what the other writer committed
        # (upgrading the old snapshot would fail with "database is locked")
        assert first.execute(select(TABLE.c.n).with_for_update()).scalar_one() == 2
        first.execute(update(TABLE).values(n=TABLE.c.n + 1))
        first.commit()
    with sqlite_engine.connect() as check:
        assert check.execute(select(TABLE.c.n)).scalar_one() == 3


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
