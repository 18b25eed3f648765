"""Who is asking: the signed-in user's server-side session, the acting user for services, and
the organization scope of a customer's request."""

from __future__ import annotations

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.models import User, UserSession, scoping
from portal.services import sessions
from portal.services.context import Actor


def current_actor() -> Actor:
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user=user, ip=request.remote_addr,
                 user_agent=request.user_agent.string[:300] or None)


def current_session() -> UserSession | None:
    return g.get("user_session")


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the cookie names a live server-side session, or nobody."""
    token = session.get("sid")
    if not token:
        return None
    row = sessions.resolve(token)
    if row is None or str(row.user_id) != user_id:
        session.clear()
        return None
    g.user_session = row
    return row.user


def start_session(user: User, token: str) -> None:
    """Bind a fresh session to the browser; clearing first rotates everything in the cookie."""
    session.clear()
    session["sid"] = token
    login_user(user)


def end_session() -> None:
    logout_user()
    session.clear()


def open_scope() -> None:
    """Limit every query of this request to the customer's own organization (models.scoping)."""
    if request.endpoint == "static":
        return  # files need no user (and no database query)
    if current_user.is_authenticated and current_user.is_customer:
        if current_user.organization_id is None:  # fail closed: no organization, no data
            abort(403)
        g.scope_token = scoping.enter(current_user.organization_id)


def close_scope(_error: BaseException | None = None) -> None:
    """End the request's scope, so nothing after it (a test, the next request) inherits it."""
    token = g.pop("scope_token", None)
    if token is not None:
        scoping.leave(token)


STAFF_TOTP_EXEMPT = {
    "account.setup_totp", "auth.logout", "main.set_language", "static", "main.health",
}


def require_staff_totp():
    """Staff must enrol two-step verification before anything else."""
    if (current_user.is_authenticated and current_user.is_staff and not current_user.has_totp
            and request.endpoint not in STAFF_TOTP_EXEMPT):
        flash(_("Voxio staff must use two-step verification. Set it up to continue."), "warning")
        return redirect(url_for("account.setup_totp"))
    return None


def register(app: Flask) -> None:
    app.before_request(open_scope)
    app.teardown_request(close_scope)
    app.before_request(require_staff_totp)
