"""What tests share besides fixtures: the test database, building an app, a mailbox, a test
client whose requests never share the test's context, and signing in over HTTP."""

from __future__ import annotations

import contextvars
import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import has_app_context
from flask.testing import FlaskClient

from portal.app import create_app
from portal.config import normalise_database_url
from portal.extensions import db
from portal.services.mail import drain
from tests import factories

TEST_DATABASE_URL = normalise_database_url(os.environ.get("DATABASE_URL", ""))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
# A Redis database of its own per suite, so two suites can run side by side (.ci/run).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


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
    app = create_app(config)
    app.test_client_class = Client
    return app


class Client(FlaskClient):
    """Each request runs in a context of its own, even while the test holds an application
    context (the ``db`` fixture): it never shares the test's ``flask.g``, database session or
    organization scope. (So it cannot show a scope left behind by a request; test_scoping.py
    checks that with Flask's own client.)

    The test's pending work is committed before each request, so the request sees what the
    test's factories made; afterwards the test's objects are expired, so the test reads what
    the request stored.
    """

    def open(self, *args, **kwargs):
        held = has_app_context() and db.session.registry.has()
        if held:
            db.session.commit()
        kwargs.setdefault("buffered", True)  # stream bodies inside the request's context
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if held:
            db.session.expire_all()
        return response


# --- real SMTP ---------------------------------------------------------------------------

@dataclass
class Mailbox:
    """What the test SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refused: set[str] = field(default_factory=set)  # addresses the server says do not exist

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

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


# --- signing in --------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Signing in and posting forms as a user would, through one test client."""

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

    def another(self) -> AuthActions:
        """A second browser: its own client and cookies, on the same app."""
        return AuthActions(self.app.test_client(), self.app)
