"""Who may open a view: one rule per decorator, and step-up for sensitive actions."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import login_manager
from portal.models import Permission
from portal.services import sessions
from portal.web.context import current_session
from portal.web.responses import is_safe_next


def _guard(check):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


login_required = _guard(lambda user: True)
customer_required = _guard(lambda user: user.is_customer)


def permission_required(permission: Permission):
    """A customer's person whose roles grant ``permission`` (portal.models.GRANTS)."""
    return _guard(lambda user: user.can(permission))

staff_required = _guard(lambda user: user.is_staff)
staff_admin_required = _guard(lambda user: user.is_staff_admin)


def recent_auth_required(view):
    """Step-up: the user must have entered their password (and TOTP) in the last 5 minutes."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not sessions.is_recent(current_session()):
            if request.method != "GET":
                flash(_("For your security, confirm it is you again, then submit once more. "
                        "Nothing has been saved or signed yet."), "warning")
            target = request.full_path if request.method == "GET" else _local_referrer()
            if not is_safe_next(target):
                target = url_for("main.dashboard")
            return redirect(url_for("auth.confirm", next=target.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def _local_referrer() -> str | None:
    parts = urlsplit(request.referrer or "")
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
