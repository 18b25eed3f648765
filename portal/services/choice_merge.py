"""Two tabs, one set of choices: a save based on an older revision is merged with what was
saved since, as for other records (services.versions), per list item and per answer.

An item ticked or unticked on one side only keeps that side's change; a free text or an
answer (scale, contact, signatory, what happens at the end) changed differently on both
sides is a conflict, and then nothing is saved.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.documents.contract import Choices
from portal.documents.contract.choices import GROUP_KEYS
from portal.models import ChoiceRevision
from portal.services import ServiceError

ANSWERS = ("large_scale", "breach_contact", "disposition", "signatory", "co_signatories",
           "sensitive_ack")


class StaleChoices(ServiceError):
    """Newer choices changed the same answers after the form was opened; nothing was saved."""

    def __init__(self, latest: ChoiceRevision, merged: Choices, conflicts: list[str]):
        super().__init__(_("%(who)s saved revision %(n)d on %(when)s, after you opened this "
                           "form, and changed the same answers as you, so nothing was saved. "
                           "The form below holds your input with their other changes taken "
                           "over; where both of you changed an answer, both are shown. Choose "
                           "and save again.", who=latest.author_name, n=latest.number,
                           when=f"{latest.created_at:%Y-%m-%d %H:%M} UTC"))
        self.latest = latest
        self.merged = merged
        self.conflicts = conflicts  # answer names, or "other_<group>"


def reconcile(base: Choices, saved: Choices, yours: Choices) -> tuple[Choices, list[str],
                                                                      list[str]]:
    """The merged choices, what was taken over from ``saved``, and the conflicts."""
    b, s, y = base.to_dict(), saved.to_dict(), yours.to_dict()
    merged = dict(y)
    taken, conflicts = [], []
    selected = {}
    for group in GROUP_KEYS:
        was, now, mine = (set(d["selected"][group]) for d in (b, s, y))
        result = (now - (was - mine)) | (mine - was)
        selected[group] = sorted(result)
        if result != mine:
            taken.append(group)
    merged["selected"] = selected
    other = {}
    for group in GROUP_KEYS:
        other[group] = _three_way(f"other_{group}", b["other"][group], s["other"][group],
                                  y["other"][group], taken, conflicts)
    merged["other"] = other
    for name in ANSWERS:
        merged[name] = _three_way(name, b.get(name), s.get(name), y.get(name), taken,
                                  conflicts)
    return Choices.from_dict(merged), taken, conflicts


def _three_way(name, was, now, mine, taken: list[str], conflicts: list[str]):
    if mine == was and now != was:
        taken.append(name)
        return now
    if mine != was and now != was and mine != now:
        conflicts.append(name)
    return mine
