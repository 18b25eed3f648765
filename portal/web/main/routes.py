"""The start page (dashboard), the language switch and the health check."""

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import db
from portal.services import accounts, guided_start, monitoring, overview
from portal.web.context import current_actor
from portal.web.forms import ActionForm
from portal.web.guards import login_required
from portal.web.locale import COOKIE
from portal.web.responses import next_url

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def dashboard():
    if current_user.is_staff:
        return render_template("main/staff_dashboard.html", stats=overview.staff_overview(),
                               alerts=monitoring.open_alerts(), ack_form=ActionForm())
    org = current_user.organization
    summary = overview.customer_overview(org)
    return render_template("main/dashboard.html", overview=summary,
                           progress=guided_start.progress(org, summary))


@bp.get("/lang/<code>")
def set_language(code: str):
    response = redirect(next_url(url_for("main.dashboard")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
        if current_user.is_authenticated and current_user.locale != code:
            accounts.update_profile(current_user, current_user.name, code, current_actor())
    return response


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
