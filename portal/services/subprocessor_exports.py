"""The sub-processor register as data others can read: JSON, CSV and an Atom feed of changes.

Public (the register) and per customer (its own view); each carries the changes announced
but not yet in effect.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from flask_babel import force_locale

from portal.documents.contract import dutch_date
from portal.labels import CHANGE_KIND_LABELS
from portal.models import Announcement, ChangeKind, SubProcessor, utcnow
from portal.services import announcements, audit
from portal.services.subprocessors import service_names

ATOM = "http://www.w3.org/2005/Atom"


def as_dict(sp: SubProcessor, names: dict[str, str],
            pending: dict[int, list[dict]] | None = None) -> dict:
    return {
        "name": sp.name, "legal_entity": sp.legal_entity, "activity": sp.activity,
        "services": [{"key": key, "name": names.get(key, key)} for key in sp.services],
        "countries": sp.countries, "outside_eea": sp.outside_eea,
        "transfer_basis": sp.transfer_basis or None, "status": sp.status,
        "active_since": sp.active_since.isoformat() if sp.active_since else None,
        "pending_changes": (pending or {}).get(sp.id, []),
        "activity_en": sp.activity_en or None,  # what it does, in English when written
    }


def pending_changes() -> dict[int, list[dict]]:
    """Announced changes not yet in effect, per sub-processor they concern (for exports)."""
    found: dict[int, list[dict]] = {}
    for ann in announcements.open_announcements():
        change = {"change": ann.kind, "announced_on": ann.announced_at.date().isoformat(),
                  "effective_on": ann.effective_on.isoformat()}
        if ann.kind == ChangeKind.COUNTRIES:
            change |= {"new_countries": ann.new_countries,
                       "new_transfer_basis": ann.new_transfer_basis or None}
        found.setdefault(ann.subprocessor_id, []).append(
            change | ({"replaced_by": ann.replacement.name} if ann.replacement else {}))
        if ann.replacement is not None:
            found.setdefault(ann.replacement_id, []).append(
                change | {"replaces": ann.subprocessor.name})
    return found


def as_json(subprocessors: list[SubProcessor]) -> str:
    names, pending = service_names(), pending_changes()
    return json.dumps({"generated_at": utcnow().isoformat(),
                       "subprocessors": [as_dict(sp, names, pending) for sp in subprocessors]},
                      ensure_ascii=False, indent=2)


def as_csv(subprocessors: list[SubProcessor]) -> str:
    names, pending = service_names(), pending_changes()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "legal_entity", "activity", "services", "countries", "outside_eea",
                     "transfer_basis", "status", "active_since", "pending_changes",
                     "activity_en"])
    for sp in subprocessors:
        changes = "; ".join(
            " ".join([c["change"], c["effective_on"], *c.get("new_countries", [])])
            for c in pending.get(sp.id, []))
        writer.writerow([audit.safe_cell(v) for v in (
            sp.name, sp.legal_entity, sp.activity,
            "; ".join(names.get(k, k) for k in sp.services), " ".join(sp.countries),
            "yes" if sp.outside_eea else "no", sp.transfer_basis,
            sp.status, sp.active_since.isoformat() if sp.active_since else "", changes,
            sp.activity_en)])
    return out.getvalue()


@dataclass(frozen=True)
class FeedLinks:
    """Where the feed and the pages it points to live (absolute URLs)."""

    feed: str
    register: str
    entry: Callable[[Announcement], str]  # an announcement's anchor on the register page


def as_atom(items: list[Announcement], links: FeedLinks, author: str) -> str:
    """An Atom feed (RFC 4287) of announced changes, in Dutch like the register."""
    with force_locale("nl"):
        return _atom(items, links, author)


def _atom(items: list[Announcement], links: FeedLinks, author: str) -> str:
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "nl"})
    _sub(root, "id", links.feed)
    _sub(root, "title", "Voxio: wijzigingen in subverwerkers")
    _sub(root, "updated", _iso(max((_updated(a) for a in items), default=utcnow())))
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=links.feed)
    ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", href=links.register)
    _sub(ET.SubElement(root, f"{{{ATOM}}}author"), "name", author)
    for ann in items:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _sub(entry, "id", f"{links.register}/announcements/{ann.id}")
        name = ann.subprocessor.name
        if ann.kind == ChangeKind.REPLACE:
            name = f"{name} → {ann.replacement.name}"
        kind = str(CHANGE_KIND_LABELS[ann.kind])
        title = f"{kind}: {name} (per {dutch_date(ann.effective_on)})"
        if ann.withdrawn_at:
            title = f"Ingetrokken – {title}"
        _sub(entry, "title", title)
        _sub(entry, "updated", _iso(_updated(ann)))
        _sub(entry, "published", _iso(ann.announced_at))
        ET.SubElement(entry, f"{{{ATOM}}}category", term=ann.kind, label=kind)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=links.entry(ann))
        summary = [f"Ingangsdatum: {dutch_date(ann.effective_on)}.", f"Reden: {ann.reason}"]
        if ann.reason_en:
            summary.append(f"Reason: {ann.reason_en}")
        if ann.withdrawn_at:
            summary.append(f"Ingetrokken: {ann.withdrawal_reason}")
            if ann.withdrawal_reason_en:
                summary.append(f"Withdrawn: {ann.withdrawal_reason_en}")
        if ann.kind == ChangeKind.COUNTRIES:
            summary.insert(0, "Nieuwe landen: " + ", ".join(ann.new_countries) + ".")
        _sub(entry, "summary", " ".join(summary))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _updated(ann: Announcement) -> datetime:
    return ann.withdrawn_at or ann.applied_at or ann.announced_at


def _sub(parent, tag: str, value: str):
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = value
    return element


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
