"""Extension singletons, bound to an app in :func:`portal.app.create_app`."""

from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()


class OriginCheckingCSRF(CSRFProtect):
    """Flask-WTF's token check, and the request's origin too: a valid token sent from another
    site (a leaked token, a subdomain takeover) is refused. Browsers send ``Origin`` with
    every state-changing request; without it, ``Referer`` decides; with neither (scripts,
    privacy tools), the token alone does."""

    def protect(self, apply_exemptions=False):
        super().protect(apply_exemptions)
        if not g.get("csrf_valid"):  # exempt, or a method that changes nothing
            return
        source = request.headers.get("Origin") or request.referrer
        if source is not None and _origin(source) not in _own_origins():
            self._error_response("The request was sent from another site.")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _own_origins() -> set[tuple[str, str]]:
    return {_origin(current_app.config["PUBLIC_URL"]), _origin(request.host_url)}


csrf = OriginCheckingCSRF()
babel = Babel()
