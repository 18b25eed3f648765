"""Optimistic concurrency for forms that edit an existing record: the form carries the
version it was based on, and a save based on an older version is refused with what differs,
so a second tab (or a colleague) cannot silently undo a change.

A version is a short hash of the editable values as stored, so no column is needed and any
change by anyone (a form, the CLI, a migration) counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.services import ServiceError


@dataclass(frozen=True)
class Difference:
    field: str
    saved: object  # the value stored now, by whoever saved after the form was opened
    yours: object  # what this form sent


class StaleEdit(ServiceError):
    """Someone saved the record after this form was opened; nothing was saved."""

    def __init__(self, differences: list[Difference], version: str):
        super().__init__(_l("Someone saved this after you opened the form, so your changes "
                            "were not saved. Where the saved values differ from yours is shown "
                            "below; your input is kept. Check it and save again."))
        self.differences = differences
        self.version = version  # the form's next save is based on what is saved now


def of(values: Mapping[str, object]) -> str:
    """The version of a record's editable ``values``."""
    text = json.dumps(dict(values), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def check(saved: Mapping[str, object], based_on: str | None,
          yours: Mapping[str, object]) -> None:
    """Refuse ``yours`` if the record changed since the version ``based_on``.

    A form without a version (an old page, a script) is not refused: it cannot know better.
    """
    now = of(saved)
    if not based_on or based_on == now:
        return
    raise StaleEdit([Difference(name, value, yours.get(name)) for name, value in saved.items()
                     if value != yours.get(name)], now)
