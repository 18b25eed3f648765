"""Whether a text the customer or staff type can stand in the agreement's PDF as written.

Asked where such text is saved (choices, an organization's details, a sub-processor), so the
person who typed it hears what to change, at the field, instead of the signing page failing.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from portal.documents.contract import fonts, text


def problem(value: str) -> str | None:
    """What keeps ``value`` out of the PDF, for the person who typed it; None if nothing."""
    if any(ch in text.BIDI_CONTROLS for ch in value):
        return _("Remove the invisible text-direction characters: they would turn the text "
                 "beside this around in the agreement.")
    missing = fonts.unprintable(value)
    if missing:
        return _("The agreement's PDF cannot print %(chars)s. Write this with other "
                 "characters.", chars=" ".join(missing))
    return None


def problems(fields: Mapping[str, str]) -> list[tuple[str, str]]:
    """(field, message) for every value in ``fields`` the PDF cannot hold as written."""
    found = []
    for field, value in fields.items():
        message = problem(value or "")
        if message is not None:
            found.append((field, message))
    return found
