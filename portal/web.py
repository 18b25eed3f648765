"""Request-side glue shared by the blueprints: sessions, access guards, safe redirects."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.utils import secure_filename

from portal.extensions import db, login_manager
from portal.models import User, UserSession
from portal.models.scoping import set_scope
from portal.services import sessions
from portal.services.context import Actor


def current_actor() -> Actor:
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user=user, ip=request.remote_addr,
                 user_agent=request.user_agent.string[:300] or None)


def current_session() -> UserSession | None:
    return g.get("user_session")


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
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


def apply_scope() -> None:
    """Limit every query of this request to the customer's own organization."""
    if request.endpoint == "static":
        return  # files need no user (and no database query)
    if current_user.is_authenticated and current_user.is_customer:
        set_scope(current_user.organization_id)


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


def is_safe_next(target: str | None) -> bool:
    """Only local paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def next_url(default: str) -> str:
    target = request.values.get("next")
    return target if is_safe_next(target) else default


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
owner_required = _guard(lambda user: user.is_owner)
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


def paginate(stmt, per_page: int | None = None):
    """A page of ``stmt`` from ``?page=``; out-of-range pages show the last one, not a 404."""
    per_page = per_page or current_app.config["AUDIT_PAGE_SIZE"]
    page = request.args.get("page", 1, type=int) or 1
    result = db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)
    if result.pages and page > result.pages:
        result = db.paginate(stmt, page=result.pages, per_page=per_page, error_out=False)
    return result


def csv_response(rows, filename: str) -> Response:
    """Stream CSV lines as a download."""
    name = secure_filename(filename) or "export.csv"
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def signed_pdf_download(agreement):
    """A signed agreement as a download, or the integrity error page (never unchecked bytes)."""
    from flask import render_template

    from portal.services import signatures

    try:
        data = signatures.signed_pdf(agreement, current_actor())
    except signatures.IntegrityAlert:
        return render_template("agreement/integrity_error.html", agreement=agreement), 500
    return pdf_response(data, f"verwerkersovereenkomst-{agreement.public_id}.pdf")


def pdf_response(data: bytes, filename: str, inline: bool = False) -> Response:
    name = secure_filename(filename) or "document.pdf"
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


def subprocessor_export(items, fmt: str, name: str) -> Response:
    """A sub-processor list as a CSV or JSON download (public and per customer)."""
    from portal.services import subprocessors

    if fmt == "json":
        body, mimetype = subprocessors.export_json(items), "application/json"
    elif fmt == "csv":
        body, mimetype = subprocessors.export_csv(items), "text/csv"
    else:
        abort(404)
    filename = secure_filename(f"{name}.{fmt}")
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
