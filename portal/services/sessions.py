"""Server-side login sessions: the cookie carries a random token, the database decides.

Logging out revokes the row, so a copied cookie is useless afterwards; a password change or a
deactivation revokes every other session of the user; idle and absolute timeouts are checked
on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import User, UserSession, utcnow
from portal.services import audit
from portal.services.context import Actor

TOUCH_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, actor: Actor, *, used_totp: bool) -> str:
    """Create a session row for ``user`` and return the token for the cookie (flushes)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(
        user_id=user.id, token_hash=_digest(token), created_at=now, last_seen_at=now,
        authenticated_at=now, used_totp=used_totp,
        ip=actor.ip, user_agent=(actor.user_agent or "")[:300] or None,
    ))
    user.last_login_at = now
    db.session.flush()
    return token


def resolve(token: str, now: datetime | None = None) -> UserSession | None:
    """The live session for ``token``, or None when unknown, revoked, timed out or inactive."""
    now = now or utcnow()
    row = db.session.scalar(_by_token(), {"token_hash": _digest(token)})
    if row is None or row.revoked_at is not None:
        return None
    cfg = current_app.config
    idle = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=cfg["SESSION_MAX_HOURS"])
    reason = None
    if not row.user.active:
        reason = "deactivated"
    elif now - row.last_seen_at > idle:
        reason = "idle_timeout"
    elif now - row.created_at > absolute:
        reason = "absolute_timeout"
    if reason:
        row.revoked_at, row.revoked_reason = now, reason
        db.session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


@cache
def _by_token():
    """Every request runs this; built once, SQLAlchemy's statement cache does the rest."""
    return (select(UserSession)
            .options(joinedload(UserSession.user).joinedload(User.organization))
            .where(UserSession.token_hash == bindparam("token_hash")))


def close(row: UserSession, actor: Actor, reason: str = "logout") -> None:
    """End one session (logout)."""
    row.revoked_at, row.revoked_reason = utcnow(), reason
    audit.record("auth.logout", actor=actor, organization=row.user.organization_id, obj=row)
    db.session.commit()


def revoke_all(user: User, *, keep: UserSession | None = None, reason: str) -> int:
    """Revoke every live session of ``user`` except ``keep`` (flushes, never commits)."""
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    return db.session.execute(stmt).rowcount


def end_other_sessions(user: User, current: UserSession, actor: Actor) -> int:
    """Let a user sign out everywhere else (account page)."""
    count = revoke_all(user, keep=current, reason="signed_out_elsewhere")
    audit.record("auth.sessions_revoked", actor=actor, organization=user.organization_id,
                 obj=user, details={"count": count})
    db.session.commit()
    return count


def live_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ))


def mark_authenticated(row: UserSession, *, used_totp: bool) -> None:
    """Record a fresh proof of identity (step-up); flushes."""
    row.authenticated_at = utcnow()
    row.used_totp = row.used_totp or used_totp
    db.session.flush()


def is_recent(row: UserSession | None, now: datetime | None = None) -> bool:
    """Whether the user re-entered their password (and TOTP) within the step-up window."""
    if row is None:
        return False
    window = timedelta(seconds=current_app.config["STEP_UP_SECONDS"])
    return (now or utcnow()) - row.authenticated_at <= window
