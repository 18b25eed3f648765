"""The web layer: blueprints per feature, and the request glue they share.

Only this package touches ``request``, ``session``, ``current_user`` and forms; it calls
services and renders templates. :func:`register` attaches it to an app.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.extensions import babel, login_manager
from portal.services import verification
from portal.web import audit_view, context, errors, locale, page_views, security
from portal.web.account import bp as account_bp
from portal.web.agreement import bp as agreement_bp
from portal.web.auth import bp as auth_bp
from portal.web.limits import limiter, storage_uri_for
from portal.web.main import bp as main_bp
from portal.web.organization import bp as organization_bp
from portal.web.pki import bp as pki_bp
from portal.web.signing import bp as signing_bp
from portal.web.staff import bp as staff_bp
from portal.web.subprocessors import bp as subprocessors_bp
from portal.web.verify import bp as verify_bp

BLUEPRINTS = (main_bp, auth_bp, account_bp, organization_bp, agreement_bp, signing_bp,
              subprocessors_bp, staff_bp, verify_bp, pki_bp)


def register(app: Flask) -> None:
    """Blueprints, request hooks, error pages, security headers, languages, rate limits."""
    babel.init_app(app, locale_selector=locale.select_locale,
                   default_translation_directories=str(
                       Path(__file__).resolve().parent.parent / "translations"))
    login_manager.login_view = "auth.login"
    login_manager.login_message = locale.LOGIN_MESSAGE
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # server-side session rows do this job
    login_manager.user_loader(context.load_user)
    # Shared by every worker process: Redis when configured, else the application database.
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri_for(app.config))
    limiter.init_app(app)
    context.register(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register(app)
    security.register(app)
    page_views.register(app)
    app.jinja_env.globals.update(locale.template_globals())
    app.jinja_env.filters.update(locale.template_filters())
    locale.install_template_gettext(app.jinja_env)
    # validation reports appear on several blueprints' pages, always in the same words
    app.jinja_env.globals.update(trust_text=verification.trust_text,
                                 verdict_labels=verification.VERDICT_LABELS)
    # audit tables in plain words (no raw JSON or database ids for customers)
    app.jinja_env.globals.update(audit_details=audit_view.details,
                                 audit_subject=audit_view.subject)
