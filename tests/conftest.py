"""Fixtures: a fresh database per test (SQLite or PostgreSQL), the app on it, a real SMTP
server, a real task worker, and factories for test data.

``DATABASE_URL=postgresql+psycopg://...`` runs the whole suite on PostgreSQL: the schema is
built once with the migrations, and every test starts from emptied tables. Otherwise each test
gets its own SQLite file copied from a migrated template. Shared helpers (signing in, CSRF
tokens, the mailbox) live in tests/helpers.py; tests import from there, never from here.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import has_app_context
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, text

from portal import tasks
from portal.app import create_app
from portal.extensions import db as database
from portal.services.mail import drain
from portal.web.limits import limiter
from tests import factories
from tests.factories import ALL_ROLES, MEMBER
from tests.helpers import (
    FAST_ARGON2,
    ON_POSTGRES,
    REDIS_URL,
    TEST_DATABASE_URL,
    AuthActions,
    Mailbox,
    make_app,
)

# --- real SMTP -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def smtp_server():
    handler = Mailbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller
    drain()  # the last test's mail is still on its way
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    box: Mailbox = smtp_server.handler
    drain()  # mail of earlier tests still on its way
    with box.lock:
        box.messages.clear()
        box.refused.clear()
    return box


# --- database ------------------------------------------------------------------------------

def _migrate(url: str, instance: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance),
                      **FAST_ARGON2})
    with app.app_context():
        upgrade()
        database.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated database: a SQLite template file, or the PostgreSQL test database."""
    instance = tmp_path_factory.mktemp("instance")
    if ON_POSTGRES:
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(TEST_DATABASE_URL, instance)
        return TEST_DATABASE_URL, _seeded_rows(TEST_DATABASE_URL)
    template = instance / "template.db"
    _migrate(f"sqlite:///{template}", instance)
    return template


def _seeded_rows(url: str) -> dict[str, list[dict]]:
    """Rows the migrations themselves insert (bundled templates, the audit chain head)."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    seeded = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in conn.execute(table.select())]
            if rows:
                seeded[table.name] = rows
    engine.dispose()
    return seeded


def _empty_postgres(url: str, seeded: dict[str, list[dict]]) -> None:
    """Truncate every table, then put back what the migrations seeded."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        tables = [t.name for t in meta.sorted_tables if t.name != "alembic_version"]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        for table in meta.sorted_tables:
            if table.name in seeded:
                conn.execute(table.insert(), seeded[table.name])
                if "id" in table.c:
                    sql = (f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                           f"(SELECT max(id) FROM {table.name}))")  # our own table names
                    conn.execute(text(sql))
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    if ON_POSTGRES:
        url, seeded = database_template
        _empty_postgres(url, seeded)
        return url
    path = tmp_path / "portal.db"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis (a database of its own); skipped without it, unless REQUIRE_SERVICES."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return REDIS_URL
    except OSError:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@pytest.fixture
def app(request, database_url, tmp_path, smtp_server):
    """The portal on the test database; ``parametrize("app", ["redis"], indirect=True)`` puts
    its task queue and rate-limit counters in Redis, as in production."""
    extra = {}
    if getattr(request, "param", None) == "redis":
        extra["REDIS_URL"] = request.getfixturevalue("redis_url")
    app = make_app(database_url, tmp_path, MAIL_SERVER=smtp_server.hostname,
                   MAIL_PORT=smtp_server.port, **extra)
    yield app
    if app.config["REDIS_URL"]:  # Redis outlives the test: leave no tasks or counters behind
        tasks.huey.flush()
        limiter.storage.reset()
    with app.app_context():
        database.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """The test's own application context and database session, for its whole run; rolled
    back at the end. Requests through the test client run in contexts of their own (see
    tests.helpers.Client); tasks and other threads likewise."""
    with app.app_context():
        yield database
        database.session.rollback()
        database.session.remove()


# --- factories (indico-style: fixtures that return a maker; each adds and flushes) --------

@pytest.fixture
def create_org(db):
    return factories.make_org


@pytest.fixture
def create_user(db):
    return factories.make_user


@pytest.fixture
def create_staff(db):
    return factories.make_staff


@pytest.fixture
def create_revision(db):
    """Saves choices through the service (commits), like the owner's form."""
    return factories.make_revision


@pytest.fixture
def customer(create_org, create_user):
    """An organization with an owner (Petra Jansen) and a member."""
    org = create_org("Bakkerij Jansen B.V.")
    owner = create_user(org, ALL_ROLES, email="owner@bakkerij.nl", name="Petra Jansen")
    member = create_user(org, MEMBER, email="member@bakkerij.nl")
    return factories.Customer(org, owner, member)


@pytest.fixture
def auth(client, app):
    return AuthActions(client, app)


# --- the task queue ------------------------------------------------------------------------

@pytest.fixture
def task_worker(app):
    """A real Huey consumer (thread workers) on the app's SQLite queue; yields wait()."""
    consumer = tasks.consumer(workers=2)
    consumer._set_signal_handlers = lambda: None  # not the main program's signals
    consumer.start()

    def wait(condition=None, timeout: float = 30.0) -> None:
        def met() -> bool:
            if condition is None:
                return True
            try:
                return bool(condition())
            finally:
                if has_app_context():
                    # SQLite starts every transaction with BEGIN IMMEDIATE: a read left open
                    # here would hold the write lock the worker needs
                    database.session.rollback()

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if tasks.huey.pending_count() == 0 and met():
                time.sleep(0.2)  # let a task that was just dequeued finish
                if tasks.huey.pending_count() == 0 and met():
                    return
            time.sleep(0.05)
        raise AssertionError("the task queue did not finish in time")

    yield wait
    if has_app_context():  # the test's open read would hold SQLite's write lock from the worker
        database.session.rollback()
    consumer.stop(graceful=True)
