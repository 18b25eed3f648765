"""Error pages that say what happened and what to do, never how the server works inside."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.services import access
from portal.web.context import current_actor

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("No access"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or you have no access to it.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    413: (_l("File too large"), _l("What you sent is larger than the portal accepts.")),
    429: (_l("Too many requests"), _l("Too many attempts in a short time. Wait a moment and "
                                      "try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. Nothing was changed. "
                                         "Try again later; if it persists, contact Voxio.")),
}


def render_error(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title), "message": str(message or default)}, code
    return render_template("errors/error.html", code=code, title=title,
                           message=message or default), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, _l("The form expired or was sent from elsewhere. Reload the "
                                    "page and try again; what you typed may need re-entering."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code in (403, 404) and request.url_rule is not None \
                and current_user.is_authenticated:
            # a page that exists, refused to a signed-in user: someone else's, or probing
            access.refused(current_actor(), request.path, error.code, request.endpoint or "")
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
