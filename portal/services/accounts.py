"""Signing in and out, per-account backoff, password reset and change."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select

from portal.database import upsert_insert
from portal.extensions import db
from portal.models import LoginThrottle, User, UserSession, utcnow
from portal.services import (
    ServiceError,
    ServiceErrors,
    audit,
    mail,
    passwords,
    sessions,
    twofactor,
    versions,
)
from portal.services.context import Actor

FAILURES_FORGOTTEN_AFTER = timedelta(hours=24)
RESET_SALT = "password-reset"


def normalise_email(email: str) -> str:
    """An address as people mean it: one Unicode form (NFC), lower case, no outer spaces.

    "jürgen@…" typed on a Mac may arrive as u + combining diaeresis (NFD), on Windows as
    one "ü" (NFC); both are the same person's address.
    """
    return unicodedata.normalize("NFC", (email or "").strip()).lower()


def find_user(email: str) -> User | None:
    """The account with this address, whoever asks (addresses are unique across the portal,
    staff included)."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email))
                             .execution_options(unscoped=True))


# --- per-account backoff -------------------------------------------------------------------

def _throttle_key(email: str) -> str:
    return hashlib.sha256(b"login:" + normalise_email(email).encode()).hexdigest()


def _throttle(email: str) -> LoginThrottle:
    """The address's backoff row, created if new and locked against concurrent attempts."""
    key = _throttle_key(email)
    insert = upsert_insert(db.session.get_bind().dialect.name)
    db.session.execute(
        insert(LoginThrottle).values(key=key, failures=0).on_conflict_do_nothing()
    )
    return db.session.execute(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _wait_message(until: datetime, now: datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return ngettext(
        "Too many failed attempts. Try again in %(num)d minute, or reset your password.",
        "Too many failed attempts. Try again in %(num)d minutes, or reset your password.",
        minutes)


def _unlocked_throttle(email: str, now: datetime) -> LoginThrottle:
    """The address's backoff row; refuses (without checking any secret) while it is locked."""
    row = _throttle(email)
    if row.locked_until and row.locked_until > now:
        db.session.commit()
        raise ServiceError(_wait_message(row.locked_until, now))
    return row


def _register_failure(row: LoginThrottle, now: datetime) -> None:
    cfg = current_app.config
    if row.last_failure_at and now - row.last_failure_at > FAILURES_FORGOTTEN_AFTER:
        row.failures = 0
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = now
    over = row.failures - cfg["LOGIN_BACKOFF_FREE_ATTEMPTS"]
    if over > 0:
        delay = min(cfg["LOGIN_BACKOFF_MAX_SECONDS"], 15 * 2**over)
        row.locked_until = now + timedelta(seconds=delay)


def _clear_failures(email: str) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == _throttle_key(email)))


# --- signing in ----------------------------------------------------------------------------

INVALID_LOGIN = _l("E-mail address or password is incorrect.")


def check_password(email: str, password: str, actor: Actor) -> User:
    """First factor. Raises the same error whether or not the address has an account."""
    now = utcnow()
    throttle = _unlocked_throttle(email, now)
    user = find_user(email)
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        _register_failure(throttle, now)
        audit.record("auth.login_failed", actor=actor,
                     organization=user.organization_id if user else None,
                     obj=user, details={"email": normalise_email(email)[:254]})
        db.session.commit()
        if throttle.locked_until and throttle.locked_until > now:
            raise ServiceError(_wait_message(throttle.locked_until, now))
        raise ServiceError(str(INVALID_LOGIN))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if not user.has_totp:
        _clear_failures(email)
    db.session.commit()
    return user


_CODE_USED = _l("This code was just used. Wait for the next code in your app: a new one "
               "appears within 30 seconds.")


def check_second_factor(user: User, code: str, actor: Actor) -> None:
    """Second factor: a TOTP code or an unused recovery code; shares the account's backoff."""
    now = utcnow()
    throttle = _unlocked_throttle(user.email, now)
    actor = actor.as_user(user)  # the password was right: this attempt is theirs
    method = twofactor.verify(user, code, now)
    if method is None:
        _register_failure(throttle, now)
        audit.record("auth.second_factor_failed", actor=actor,
                     organization=user.organization_id, obj=user)
        db.session.commit()
        if throttle.locked_until and throttle.locked_until > now:
            raise ServiceError(_wait_message(throttle.locked_until, now), field="code")
        if twofactor.just_used(user, code, now):
            raise ServiceError(_CODE_USED, field="code")
        raise ServiceError(_("That code is not valid. Check your authenticator app's clock, "
                             "or use a recovery code."), field="code")
    _clear_failures(user.email)
    if method == "recovery_code":
        audit.record("auth.recovery_code_used", actor=actor, organization=user.organization_id,
                     obj=user, details={"remaining": twofactor.remaining_codes(user)})
    db.session.flush()


def sign_in(user: User, actor: Actor, *, used_totp: bool) -> str:
    """Open a session after all factors passed; returns the session token."""
    actor = actor.as_user(user)
    token = sessions.open_session(user, actor, used_totp=used_totp)
    audit.record("auth.login", actor=actor, organization=user.organization_id, obj=user,
                 details={"second_factor": used_totp})
    db.session.commit()
    return token


def confirm_identity(row: UserSession, password: str, code: str | None, actor: Actor) -> None:
    """Step-up: re-enter the password (and a TOTP code when enrolled)."""
    user = row.user
    now = utcnow()
    throttle = _unlocked_throttle(user.email, now)
    if not passwords.verify(user.password_hash, password):
        _register_failure(throttle, now)
        audit.record("auth.step_up_failed", actor=actor, organization=user.organization_id,
                     obj=user)
        db.session.commit()
        raise ServiceError(_("The password is incorrect."), field="password")
    if user.has_totp and twofactor.verify(user, code or "", now) is None:
        _register_failure(throttle, now)
        audit.record("auth.step_up_failed", actor=actor, organization=user.organization_id,
                     obj=user)
        db.session.commit()
        if twofactor.just_used(user, code or "", now):
            raise ServiceError(_CODE_USED, field="code")
        raise ServiceError(_("That code is not valid."), field="code")
    sessions.mark_authenticated(row, used_totp=user.has_totp)
    audit.record("auth.step_up", actor=actor, organization=user.organization_id, obj=user)
    db.session.commit()


# --- passwords -----------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _fingerprint(user: User) -> str:
    # Changes with every new password (a link works once; a password change voids it) and
    # with every new request (only the newest link works).
    return hashlib.sha256(f"{user.password_hash}:{user.reset_nonce or ''}".encode()
                          ).hexdigest()[:20]


def request_password_reset(email: str, actor: Actor) -> None:
    """E-mail a reset link if the address has an active account; say nothing either way.

    Both cases do the same work (the unknown case renders the message and discards it), so
    neither the answer nor its timing reveals whether the address has an account.
    """
    user = find_user(email)
    known = user is not None and user.active
    target = user if known else User(id=0, email=normalise_email(email), name="", password_hash="")
    target.reset_nonce = secrets.token_hex(16)  # voids the links sent before
    token = _serializer().dumps([target.id, _fingerprint(target)])
    minutes = current_app.config["RESET_TOKEN_SECONDS"] // 60
    if known:
        mail.send("password_reset", user.email, _l("Reset your password"), locale=user.locale,
                  user=user, token=token, minutes=minutes)
    else:
        mail.render("password_reset", target.email, _l("Reset your password"), None,
                    user=target, token=token, minutes=minutes)
    audit.record("auth.password_reset_requested", actor=actor,
                 organization=user.organization_id if known else None, obj=user if known else None,
                 details={"email": normalise_email(email)[:254], "account": known})
    db.session.commit()


def user_for_reset_token(token: str) -> User | None:
    """The user a reset token is valid for, or None (unknown, used, or older than an hour)."""
    try:
        user_id, fingerprint = _serializer().loads(
            token, max_age=current_app.config["RESET_TOKEN_SECONDS"]
        )
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or _fingerprint(user) != fingerprint:
        return None
    return user


def validate_new_password(password: str, user_email: str, name: str, org_name: str = "") -> None:
    found = passwords.problems(
        password, context=passwords.context_for(user_email, name, org_name)
    )
    if found:
        raise ServiceError(found[0], field="password")


def reset_password(token: str, new_password: str, actor: Actor) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise ServiceError(_("This reset link is no longer valid. Request a new one."))
    validate_new_password(new_password, user.email, user.name,
                          user.organization.name if user.organization else "")
    actor = actor.as_user(user)
    set_password(user, new_password)
    sessions.revoke_all(user, reason="password_reset")
    _clear_failures(user.email)
    audit.record("auth.password_reset", actor=actor, organization=user.organization_id, obj=user)
    mail.send("password_changed", user.email, _l("Your password was changed"), locale=user.locale,
              user=user)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str, row: UserSession, actor: Actor) -> None:
    """Change one's own password; every other session of the user ends."""
    problems = []  # both fields at once, so one submit tells everything to fix
    if not passwords.verify(user.password_hash, current):
        problems.append(("current_password", _("The current password is incorrect.")))
    try:
        validate_new_password(new, user.email, user.name,
                              user.organization.name if user.organization else "")
    except ServiceError as error:
        problems += getattr(error, "problems", [(error.field, error.message)])
    if problems:
        raise ServiceErrors(problems)
    set_password(user, new)
    ended = sessions.revoke_all(user, keep=row, reason="password_changed")
    sessions.mark_authenticated(row, used_totp=False)
    audit.record("account.password_changed", actor=actor, organization=user.organization_id,
                 obj=user, details={"sessions_ended": ended})
    mail.send("password_changed", user.email, _l("Your password was changed"), locale=user.locale,
              user=user)
    db.session.commit()


def set_password(user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()


def profile_base(user: User) -> str:
    """One's name and language as the profile form opens them (services.versions)."""
    return versions.base_of(_profile(user))


def _profile(user: User) -> dict:
    # as the form shows them: no saved language shows (and posts) the default
    return {"name": user.name,
            "locale": user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]}


def update_profile(user: User, name: str, locale: str | None, actor: Actor,
                   opened: str | None = None) -> list[str]:
    """Save one's name and language, merged with what another tab or session saved since the
    form was ``opened``; the fields taken over. :class:`versions.StaleEdit` on a conflict."""
    values, taken = versions.reconcile(_profile(user), opened, {"name": name, "locale": locale})
    name, locale = values["name"], values["locale"]
    changed = {}
    if name != user.name:
        changed["name"] = True
        user.name = name
    if locale != user.locale:
        changed["locale"] = locale
        user.locale = locale
    if changed:
        audit.record("account.profile_updated", actor=actor, organization=user.organization_id,
                     obj=user, details=changed)
    db.session.commit()
    return taken
