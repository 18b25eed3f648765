"""Dutch first, English on request: locale choice and template helpers."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LOGIN_MESSAGE = _l("Sign in to continue.")
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    choice = request.cookies.get(COOKIE) if request else None
    if choice in languages:
        return choice
    user = current_user if request else None
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_time(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


ROLE_LABELS = {
    "customer_owner": _l("Owner"),
    "customer_member": _l("Member"),
    "staff": _l("Staff"),
    "staff_admin": _l("Staff administrator"),
}


INVITATION_STATUS = {
    "open": _l("open"),
    "accepted": _l("accepted"),
    "revoked": _l("withdrawn"),
    "expired": _l("expired"),
}


def current_locale() -> str:
    return str(get_locale() or "nl")


def template_globals() -> dict:
    from portal.models import utcnow

    return {"LANGUAGE_NAMES": LANGUAGE_NAMES, "ROLE_LABELS": ROLE_LABELS,
            "INVITATION_STATUS": INVITATION_STATUS, "current_locale": current_locale,
            "utcnow": utcnow}


def template_filters() -> dict:
    return {"local_time": local_time}
