"""Optimistic concurrency for forms that edit an existing record, with a three-way merge.

The form carries the values it was opened with (its *base*). When someone saved the record
after that, each field is reconciled as version control would: a field only the other side
changed takes their value, a field only this form changed keeps the user's, and a field both
changed differently is a conflict. Without conflicts the save goes through with the merged
values (and says what it took over); with conflicts nothing is saved and the user sees the
merged form, each conflict with the saved value beside theirs.
"""

from __future__ import annotations

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
    """Someone changed the same fields after this form was opened; nothing was saved."""

    def __init__(self, conflicts: list[Difference], merged: dict, base: str):
        super().__init__(_l("Someone saved this after you opened the form and changed the "
                            "same fields as you, so nothing was saved. The form below holds "
                            "your input, with their other changes taken over; where both of "
                            "you changed a field, both values are shown. Choose and save "
                            "again."))
        self.differences = conflicts
        self.merged = merged  # what the form should show now
        self.base = base  # the form's next save is based on what is saved now


def base_of(values: Mapping[str, object]) -> str:
    """The base a form carries: the record's editable values as it was opened."""
    return json.dumps(dict(values), sort_keys=True, default=str, ensure_ascii=False)


def reconcile(saved: Mapping[str, object], base: str | None,
              yours: Mapping[str, object]) -> tuple[dict, list[str]]:
    """The values to store and the fields taken over from the newer save; :class:`StaleEdit`
    on a conflict. A form without a base (an old page, a script) is taken as it is."""
    if not base:
        return dict(yours), []
    opened = json.loads(base)
    saved = {key: _plain(value) for key, value in saved.items()}
    if opened == saved:
        return dict(yours), []
    merged, taken, conflicts = {}, [], []
    for key, now in saved.items():
        was, mine = opened.get(key), _plain(yours.get(key))
        if mine == was and now != was:
            merged[key] = now
            taken.append(key)
        else:
            merged[key] = yours.get(key)
            if mine != was and now != was and mine != now:
                conflicts.append(Difference(key, now, mine))
    if conflicts:
        raise StaleEdit(conflicts, merged, base_of(saved))
    return merged, taken


def _plain(value: object) -> object:
    """As the base stores it (JSON), so opened and current values compare alike."""
    return json.loads(json.dumps(value, default=str))
