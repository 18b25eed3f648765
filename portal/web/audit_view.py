"""The audit log in plain words: details as labelled values a customer recognises (document
and revision numbers, pages, verdicts), not raw JSON or database ids."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from portal.labels import CUSTOMER_ROLE_LABELS, OBJECT_LABELS, ROLE_LABELS

LABELS = {
    "document": _l("Document"), "revision": _l("Revision"), "version": _l("Version"),
    "template": _l("Agreement version"), "signatory": _l("Signatory"), "method": _l("Method"),
    "email": _l("E-mail address"), "name": _l("Name"), "role": _l("Role"), "roles": _l("Roles"),
    "position": _l("Signatory number"), "signed": _l("Signatures so far"),
    "page": _l("Page"), "path": _l("Page"), "status": _l("Status"), "reason": _l("Reason"),
    "resolution": _l("Outcome"), "subprocessor": _l("Sub-processor"),
    "effective_on": _l("Effective"), "countries": _l("Countries"), "period": _l("Month"),
    "verdict": _l("Verdict"), "summary": _l("Alert"), "operation": _l("Operation"),
    "problem": _l("Problem"), "sample": _l("Sample"), "population": _l("Events that month"),
    "viewed": _l("Opened"), "sessions_ended": _l("Sessions ended"), "count": _l("Count"),
    "answers_changed": _l("Answers changed"), "flags": _l("Marked"), "format": _l("Format"),
    "from": _l("From"), "to": _l("To"), "via": _l("Via"), "account": _l("Account exists"),
    "supersedes": _l("Replaces document"), "file": _l("File"), "sha256": _l("SHA-256"),
    "kind": _l("Kind"), "notices": _l("Notices"), "remaining": _l("Remaining"),
    "replacement": _l("Replacement"), "second_factor": _l("Two-step verification"),
    "changes": _l("Lists changed"),
}
# internal bookkeeping: useful to staff investigating, noise to everyone else
HIDDEN = {"endpoint", "last_this_hour", "mailed", "key", "alert", "event", "organization_id",
          "previous_sha256", "encrypted_values", "totp_secrets", "root", "seal", "tsa",
          "actor", "action", "name_hash"}


def details(event) -> list[tuple[str, str]]:
    """The event's details as (label, value) pairs in plain words."""
    try:
        data = json.loads(event.details or "{}")
    except ValueError:
        return []
    pairs = []
    for key, value in data.items():
        if key in HIDDEN or value in (None, "", [], {}):
            continue
        pairs.append((str(LABELS.get(key, key.replace("_", " "))), _value(key, value)))
    return pairs


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    words = {**ROLE_LABELS, **CUSTOMER_ROLE_LABELS}
    if key in ("role", "roles", "from", "to") and isinstance(value, str) \
            and all(part in words for part in value.split(",")):
        return ", ".join(str(words[part]) for part in value.split(","))
    if key in ("sha256", "previous_sha256") and isinstance(value, str):
        return value[:16] + "…"
    if key == "changes" and isinstance(value, list):
        return ", ".join(str(c.get("group", "?")) for c in value if isinstance(c, dict))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def subject(event, *, staff: bool) -> str:
    """What the event is about, as its reader knows it: the document or revision number;
    database ids only for staff."""
    label = str(OBJECT_LABELS.get(event.object_type, event.object_type or ""))
    try:
        data = json.loads(event.details or "{}")
    except ValueError:
        data = {}
    if data.get("document"):
        return f"{label} {data['document']}".strip()
    if event.object_type == "ChoiceRevision" and data.get("revision"):
        return f"{label} {data['revision']}"
    if event.object_type in (None, "Page"):
        return label
    return f"{label} {event.object_id}" if staff and event.object_id else label
