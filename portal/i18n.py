"""Dutch first, English on request: locale choice and template helpers."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, g, has_app_context, request
from flask_babel import format_date, format_datetime, get_locale, get_translations
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


def local_date(value: date | None, fmt: str = "long") -> str:
    return format_date(value, fmt) if value else ""


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


# What each audit action means, for people reading the log (the code stays in the CSV).
ACTION_LABELS = {
    "account.password_changed": _l("Password changed"),
    "account.profile_updated": _l("Account details changed"),
    "account.recovery_codes_regenerated": _l("New recovery codes made"),
    "account.totp_disabled": _l("Two-step verification turned off"),
    "account.totp_enabled": _l("Two-step verification turned on"),
    "audit.exported": _l("Audit log downloaded"),
    "agreement.choices_saved": _l("Agreement choices saved"),
    "agreement.choices_exported": _l("Agreement choices exported"),
    "agreement.prepared": _l("Agreement prepared for signing"),
    "agreement.signed": _l("Agreement signed and countersigned"),
    "agreement.download": _l("Signed agreement downloaded"),
    "agreement.report": _l("Validation report viewed"),
    "agreement.integrity_alert": _l("Stored agreement failed its integrity check"),
    "agreement.timestamp_renewed": _l("Archive timestamp renewed"),
    "pki.created": _l("Certificate authority created"),
    "subprocessor.announced": _l("Sub-processor change announced"),
    "subprocessor.change_applied": _l("Sub-processor change took effect"),
    "subprocessor.recorded": _l("Sub-processor recorded"),
    "subprocessor.customers_notified": _l("Customers notified of a sub-processor change"),
    "subprocessor.announcement_withdrawn": _l("Sub-processor announcement withdrawn"),
    "objection.submitted": _l("Objection submitted"),
    "objection.status_changed": _l("Objection status changed"),
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in"),
    "auth.logout": _l("Signed out"),
    "auth.password_reset": _l("Password reset by e-mail link"),
    "auth.password_reset_requested": _l("Password reset link requested"),
    "auth.recovery_code_used": _l("Recovery code used"),
    "auth.second_factor_failed": _l("Wrong two-step verification code"),
    "auth.sessions_revoked": _l("Signed out of other sessions"),
    "auth.step_up": _l("Identity confirmed"),
    "auth.step_up_failed": _l("Identity confirmation failed"),
    "keys.rotated": _l("Stored secrets re-encrypted with a new key"),
    "invitation.accepted": _l("Invitation accepted"),
    "invitation.created": _l("Invitation sent"),
    "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation withdrawn"),
    "organization.created": _l("Customer registered"),
    "organization.updated": _l("Organization details changed"),
    "organization.viewed_by_staff": _l("Customer data opened by Voxio staff"),
    "user.activated": _l("Access restored"),
    "user.created": _l("Account created"),
    "user.deactivated": _l("Access removed"),
    "user.role_changed": _l("Role changed"),
}
OBJECT_LABELS = {
    "User": _l("User"),
    "UserSession": _l("Session"),
    "Invitation": _l("Invitation"),
    "Organization": _l("Organization"),
    "ChoiceRevision": _l("Choices revision"),
    "PreparedDocument": _l("Prepared document"),
    "SignedAgreement": _l("Signed agreement"),
    "Announcement": _l("Sub-processor announcement"),
    "SubProcessor": _l("Sub-processor"),
    "Objection": _l("Objection"),
}
ACTOR_LABELS = {"anonymous": _l("(not signed in)"), "system": _l("(system)"),
                "seed": _l("(demo data)"), "cli": _l("(command line)"),
                "renewal": _l("(timestamp renewal)"), "scheduler": _l("(scheduled job)")}


GROUP_TITLES = {
    "services": _l("Services"),
    "purposes": _l("Purposes"),
    "data_categories": _l("Personal data"),
    "data_subjects": _l("Whose data"),
}
GROUP_HINTS = {
    "services": _l("Tick every Voxio service in which personal data of yours is kept or "
                   "passes through, for example on your website or in your mailboxes."),
    "purposes": _l("What Voxio processes the data for on your behalf."),
    "data_categories": _l("Think of what is on your website, in your e-mail and in your "
                          "backups. In doubt? Tick it: too much is better than too little."),
    "data_subjects": _l("The people the personal data is about."),
}
OTHER_LABELS = {
    "services": _l("Another service, namely"),
    "purposes": _l("Another purpose, namely"),
    "data_categories": _l("Describe the other personal data"),
    "data_subjects": _l("Describe the other people"),
}
# How the customer answers (the form speaks to the customer)...
DISPOSITION_CHOICES = {
    "return": _l("return all personal data to us"),
    "delete": _l("delete or destroy all personal data"),
    "return_then_delete": _l("return all personal data to us, then delete it"),
}
# ...and how summaries read for both sides.
DISPOSITION_LABELS = {
    "return": _l("Voxio returns all personal data to the customer"),
    "delete": _l("Voxio deletes or destroys all personal data"),
    "return_then_delete": _l("Voxio returns all personal data to the customer, then deletes it"),
}
AUTHORITY_LABELS = {
    "director": _l("director, authorised according to the Trade Register"),
    "proxy": _l("holds a power of attorney from an authorised director"),
}
FLAG_LABELS = {
    "special": _l("special category (GDPR art. 9)"),
    "criminal": _l("criminal data (GDPR art. 10)"),
    "national_id": _l("contains the BSN (UAVG art. 46)"),
}


# Legal bases for transfers outside the EU/EEA (GDPR chapter V).
TRANSFER_BASIS_LABELS = {
    "adequacy": _l("adequacy decision"),
    "scc": _l("standard contractual clauses"),
    "bcr": _l("binding corporate rules"),
    "derogation": _l("derogation (GDPR art. 49)"),
}


def current_locale() -> str:
    return str(get_locale() or "nl")


def template_globals() -> dict:
    from portal.models import utcnow

    return {"LANGUAGE_NAMES": LANGUAGE_NAMES, "ROLE_LABELS": ROLE_LABELS,
            "INVITATION_STATUS": INVITATION_STATUS, "current_locale": current_locale,
            "ACTION_LABELS": ACTION_LABELS, "OBJECT_LABELS": OBJECT_LABELS,
            "ACTOR_LABELS": ACTOR_LABELS, "GROUP_TITLES": GROUP_TITLES,
            "GROUP_HINTS": GROUP_HINTS, "FLAG_LABELS": FLAG_LABELS,
            "DISPOSITION_LABELS": DISPOSITION_LABELS,
            "AUTHORITY_LABELS": AUTHORITY_LABELS,
            "TRANSFER_BASIS_LABELS": TRANSFER_BASIS_LABELS,
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
    return {"local_time": local_time, "local_date": local_date}
