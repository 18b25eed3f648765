"""Rate limits per IP: one shared over the sign-in forms, one over the public register's
subscription form, one over verify uploads, one over the public timestamp server."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address

from portal.database import storage_uri

# Every POST to these endpoints counts against one shared per-IP limit. As an application
# limit it is checked before any view code, so before the request opens a transaction (on
# SQLite the counter needs the write lock that the request's transaction would hold).
AUTH_ENDPOINTS = frozenset({
    "auth.login", "auth.second_factor", "auth.forgot_password", "auth.reset_password",
    "auth.accept_invitation", "auth.confirm",
})

AUTH_LIMIT = ApplicationLimit(
    limit_provider=lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="auth",
    methods=["POST"], exempt_when=lambda: request.endpoint not in AUTH_ENDPOINTS)

# Each subscription request e-mails someone: its own, stricter limit, so a busy office behind
# one address cannot use up its colleagues' sign-in attempts (nor the reverse).
SUBSCRIBE_LIMIT = ApplicationLimit(
    limit_provider=lambda: current_app.config["SUBSCRIBE_RATE_LIMIT"], scope="subscribe",
    methods=["POST"], exempt_when=lambda: request.endpoint not in (
        "subprocessors.subscribe", "subprocessors.confirm_subscription"))

# Uploads to the public verify page cost a validation each: limited the same way.
VERIFY_LIMIT = ApplicationLimit(
    limit_provider=lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify",
    methods=["POST"], exempt_when=lambda: request.endpoint != "verify.check")

# The public timestamp server signs for anyone: limited per IP so it serves customers only.
TSA_LIMIT = ApplicationLimit(
    limit_provider=lambda: current_app.config["TSA_RATE_LIMIT"], scope="tsa",
    methods=["POST"], exempt_when=lambda: request.endpoint != "pki.timestamp")

limiter = Limiter(key_func=get_remote_address,
                  application_limits=[AUTH_LIMIT, SUBSCRIBE_LIMIT, VERIFY_LIMIT, TSA_LIMIT])


def storage_uri_for(config: Mapping) -> str:
    """Counters shared by every worker process: in Redis when configured, else the database."""
    return config["REDIS_URL"] or storage_uri(config["SQLALCHEMY_DATABASE_URI"])
