"""Test fixtures: a fresh database per test (SQLite or PostgreSQL), a real SMTP server.

``DATABASE_URL=postgresql+psycopg://...`` runs the whole suite on PostgreSQL: the schema is
built once with the migrations, and every test starts from emptied tables. Otherwise each test
gets its own SQLite file copied from a migrated template.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import MetaData, create_engine, text

from portal.app import create_app
from portal.config import normalise_database_url
from portal.extensions import db
from portal.services.mail import drain
from tests import factories

TEST_DATABASE_URL = normalise_database_url(os.environ.get("DATABASE_URL", ""))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")

FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


# --- real SMTP -----------------------------------------------------------------------------

@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        drain()  # SMTP delivery runs on the mail thread
        return [m for m in self.messages if m["To"] == address]

    def last(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        return message.get_body(("html",)).get_content()

    def link(self, address: str, pattern: str) -> str:
        """The path of the first link in the last mail to ``address`` that matches."""
        text = self.text(self.last(address))
        match = re.search(r"https?://[^/\s]+(" + pattern + r"[^\s\"<]*)", text)
        assert match, f"no link like {pattern} in mail to {address}"
        return match.group(1)


@pytest.fixture(scope="session")
def smtp_server():
    handler = Mailbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    box: Mailbox = smtp_server.handler
    drain()  # mail of earlier tests still on its way
    with box.lock:
        box.messages.clear()
    return box


# --- database ------------------------------------------------------------------------------

def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance),
                      **FAST_ARGON2})
    with app.app_context():
        upgrade()
        db.engine.dispose()


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


def make_app(database_url: str, tmp_path: Path, **overrides):
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-with-enough-length-0123456789",
        "PUBLIC_URL": "http://portal.test",
        # Each app its own task queue: in Redis, queues outlive the test that filled them.
        "TASK_QUEUE": f"portal-test-{uuid.uuid4().hex}",
        **FAST_ARGON2,
    }
    config.update(overrides)
    return create_app(config)


REDIS_URL = "redis://127.0.0.1:6379/15"


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
        from portal import tasks
        from portal.web.limits import limiter

        tasks.huey.flush()
        limiter.storage.reset()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield


# --- signing in ----------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    def __init__(self, client, app):
        self.client = client
        self.app = app

    def login(self, email: str, password: str = factories.PASSWORD, code: str | None = None,
              follow: bool = False):
        token = csrf_token(self.client)
        response = self.client.post("/login", data={
            "csrf_token": token, "email": email, "password": password,
        }, follow_redirects=False)
        if code is not None and response.headers.get("Location", "").endswith("/login/verify"):
            response = self.client.post("/login/verify", data={
                "csrf_token": csrf_token(self.client, "/login/verify"), "code": code,
            }, follow_redirects=False)
        if follow and response.status_code in (301, 302, 303):
            response = self.client.get(response.headers["Location"])
        return response

    def login_user(self, user, totp_offset: int = 0):
        """Sign in as ``user`` (from tests.factories), with TOTP when enrolled.

        A TOTP code works once: sign in again within 30 seconds with ``totp_offset=1``.
        """
        code = factories.totp_now(user, totp_offset) if user.totp_secret else None
        response = self.login(user.email, code=code)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/")})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST with the session's CSRF token."""
        token = csrf_token(self.client, kwargs.pop("token_from", "/"))
        return self.client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def auth(client, app):
    return AuthActions(client, app)


# --- the task queue ------------------------------------------------------------------------

@pytest.fixture
def task_worker(app):
    """A real Huey consumer (thread workers) on the app's SQLite queue; yields wait()."""
    import time

    from flask import has_app_context

    from portal import tasks

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
                    db.session.rollback()

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if tasks.huey.pending_count() == 0 and met():
                time.sleep(0.2)  # let a task that was just dequeued finish
                if tasks.huey.pending_count() == 0 and met():
                    return
            time.sleep(0.05)
        raise AssertionError("the task queue did not finish in time")

    yield wait
    consumer.stop(graceful=True)
