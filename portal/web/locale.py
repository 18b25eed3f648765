"""Dutch first, English on request: the page's language, and the template helpers that use it."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, g, has_app_context, request
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import labels
from portal.models import utcnow

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


def local_date(value: date | None, fmt: str = "long") -> str:
    return format_date(value, fmt) if value else ""


def current_locale() -> str:
    return str(get_locale() or "nl")


def template_globals() -> dict:
    """Names every template may use: the labels of portal.labels, the language helpers."""
    names = {name: value for name, value in vars(labels).items() if name.isupper()}
    return {**names, "LANGUAGE_NAMES": LANGUAGE_NAMES, "current_locale": current_locale,
            "utcnow": utcnow}


def install_template_gettext(env) -> None:
    """Templates translate with the catalogue looked up once per request, not once per text.

    Flask-Babel's template callables find the locale and the catalogue again for every string,
    and a page has dozens. The catalogue is kept beside Flask-Babel's own locale for the
    request (``g._flask_babel``) and used while that locale object stays the same, so
    ``force_locale`` and ``refresh`` still switch language.
    """
    def translations():
        state = g.get("_flask_babel") if has_app_context() else None
        if state is None:
            return get_translations()
        cached = state.__dict__.get("portal_translations")
        if cached is not None and cached[0] is state.__dict__.get("babel_locale"):
            return cached[1]
        result = get_translations()
        state.portal_translations = (state.__dict__.get("babel_locale"), result)
        return result

    env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def template_filters() -> dict:
    return {"local_time": local_time, "local_date": local_date, "roles": labels.roles_text}
