"""The sub-processor register (art. 5.1) and countries of processing (art. 3.2).

Changes are announced with a reason and an effective date at least the notice period ahead;
on that date ``apply_due`` makes them so. Customers see what serves their chosen services and
may object before the effective date.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import (
    EEA,
    Announcement,
    Organization,
    OrganizationService,
    SubProcessor,
    utcnow,
)
from portal.models.subprocessors import TRANSFER_BASES
from portal.services import ServiceErrors, agreements, audit
from portal.services.context import Actor

KINDS = ("add", "remove", "replace", "countries")
REASON_MAX = 2000
FURTHEST_DAYS = 2 * 365  # how far ahead a change may be announced
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _known_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from CLDR via Babel), without pseudo-regions."""
    from babel import Locale

    return frozenset(code for code in Locale("en").territories
                     if len(code) == 2 and code.isalpha()
                     and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


@dataclass(frozen=True)
class SubProcessorData:
    name: str
    legal_entity: str
    activity: str
    services: tuple[str, ...]
    countries: tuple[str, ...]
    transfer_basis: str = ""


def notice_days() -> int:
    return current_app.config["SUBPROCESSOR_NOTICE_DAYS"]


def earliest_effective(today: date | None = None) -> date:
    return (today or utcnow().date()) + timedelta(days=notice_days())


def parse_countries(text: str) -> tuple[str, ...]:
    """'nl, de  US' -> ('NL', 'DE', 'US'), in the order given, without duplicates."""
    seen = []
    for part in re.split(r"[\s,;]+", text.upper()):
        if part and part not in seen:
            seen.append(part)
    return tuple(seen)


# --- reading ----------------------------------------------------------------------------

def register() -> list[SubProcessor]:
    """Everything in use or announced, by name (the public list)."""
    return list(db.session.scalars(select(SubProcessor).where(SubProcessor.status != "ended")
                                   .order_by(SubProcessor.name, SubProcessor.id)))


def chosen_services(org: Organization) -> set[str]:
    return set(db.session.scalars(select(OrganizationService.service)
                                  .where(OrganizationService.organization_id == org.id)))


def for_organization(org: Organization) -> list[SubProcessor]:
    """The sub-processors that serve a service the organization chose, minus those an
    objection settled as "not used for this customer"."""
    from portal.models import Objection

    services = chosen_services(org)
    settled = db.session.scalars(select(Announcement).join(
        Objection, Objection.announcement_id == Announcement.id).where(
        Objection.organization_id == org.id, Objection.resolution == "not_used")).all()
    excluded = {(a.replacement_id if a.kind == "replace" else a.subprocessor_id)
                for a in settled}
    return [sp for sp in register() if services & set(sp.services) and sp.id not in excluded]


def countries(subprocessors: list[SubProcessor]) -> list[tuple[str, bool]]:
    """Countries of processing, EEA first then alphabetical, as (code, inside_eea)."""
    codes = {code for sp in subprocessors if sp.status == "active" for code in sp.countries}
    codes.add("NL")  # Voxio itself processes in the Netherlands
    return sorted(((c, c in EEA) for c in codes), key=lambda item: (not item[1], item[0]))


def service_names() -> dict[str, str]:
    return {key: item.text for key, item in service_items().items()}


def service_items() -> dict:
    """Annex 1.A's services by key: the contract's (Dutch) text and an English gloss."""
    template = agreements.current_template().document_template
    return {item.key: item for item in template.group("services").items}


def as_dict(sp: SubProcessor, names: dict[str, str],
            pending: dict[int, list[dict]] | None = None) -> dict:
    return {
        "name": sp.name, "legal_entity": sp.legal_entity, "activity": sp.activity,
        "services": [{"key": key, "name": names.get(key, key)} for key in sp.services],
        "countries": sp.countries, "outside_eea": sp.outside_eea,
        "transfer_basis": sp.transfer_basis or None, "status": sp.status,
        "active_since": sp.active_since.isoformat() if sp.active_since else None,
        "pending_changes": (pending or {}).get(sp.id, []),
    }


def pending_changes() -> dict[int, list[dict]]:
    """Announced changes not yet in effect, per sub-processor they concern (for exports)."""
    found: dict[int, list[dict]] = {}
    for ann in open_announcements():
        change = {"change": ann.kind, "announced_on": ann.announced_at.date().isoformat(),
                  "effective_on": ann.effective_on.isoformat()}
        if ann.kind == "countries":
            change |= {"new_countries": ann.new_countries,
                       "new_transfer_basis": ann.new_transfer_basis or None}
        found.setdefault(ann.subprocessor_id, []).append(
            change | ({"replaced_by": ann.replacement.name} if ann.replacement else {}))
        if ann.replacement is not None:
            found.setdefault(ann.replacement_id, []).append(
                change | {"replaces": ann.subprocessor.name})
    return found


def export_json(subprocessors: list[SubProcessor]) -> str:
    names, pending = service_names(), pending_changes()
    return json.dumps({"generated_at": utcnow().isoformat(),
                       "subprocessors": [as_dict(sp, names, pending) for sp in subprocessors]},
                      ensure_ascii=False, indent=2)


def export_csv(subprocessors: list[SubProcessor]) -> str:
    names, pending = service_names(), pending_changes()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "legal_entity", "activity", "services", "countries", "outside_eea",
                     "transfer_basis", "status", "active_since", "pending_changes"])
    for sp in subprocessors:
        changes = "; ".join(
            " ".join([c["change"], c["effective_on"], *c.get("new_countries", [])])
            for c in pending.get(sp.id, []))
        writer.writerow([audit.safe_cell(v) for v in (
            sp.name, sp.legal_entity, sp.activity,
            "; ".join(names.get(k, k) for k in sp.services), " ".join(sp.countries),
            "yes" if sp.outside_eea else "no", sp.transfer_basis,
            sp.status, sp.active_since.isoformat() if sp.active_since else "", changes)])
    return out.getvalue()


def announcements(limit: int = 50) -> list[Announcement]:
    return list(db.session.scalars(select(Announcement)
                                   .order_by(Announcement.announced_at.desc(),
                                             Announcement.id.desc()).limit(limit)))


def open_announcements() -> list[Announcement]:
    return list(db.session.scalars(select(Announcement).where(
        Announcement.applied_at.is_(None), Announcement.withdrawn_at.is_(None))
                                   .order_by(Announcement.effective_on, Announcement.id)))


def announcement(announcement_id: int) -> Announcement | None:
    return db.session.get(Announcement, announcement_id)


# --- announcing ---------------------------------------------------------------------------

def announce(kind: str, *, reason: str, effective_on: date | None, actor: Actor,
             subprocessor: SubProcessor | None = None, data: SubProcessorData | None = None,
             new_countries: tuple[str, ...] = (), new_transfer_basis: str = "",
             today: date | None = None) -> Announcement:
    """Announce one change; refuses a date inside the notice period (no backdating)."""
    today = today or utcnow().date()
    problems = _check_announcement(kind, reason, effective_on, subprocessor, data,
                                   new_countries, new_transfer_basis, today)
    if problems:
        raise ServiceErrors(problems)
    replacement = None
    if kind in ("add", "replace"):
        replacement = SubProcessor(
            name=data.name.strip(), legal_entity=data.legal_entity.strip(),
            activity=data.activity.strip(), services_json=json.dumps(list(data.services)),
            countries_json=json.dumps(list(data.countries)),
            transfer_basis=data.transfer_basis if _outside(data.countries) else "",
            status="announced")
        db.session.add(replacement)
        db.session.flush()
    target = replacement if kind == "add" else subprocessor
    ann = Announcement(
        kind=kind, subprocessor_id=target.id,
        replacement_id=replacement.id if kind == "replace" else None,
        new_countries_json=json.dumps(list(new_countries)) if kind == "countries" else None,
        new_transfer_basis=(new_transfer_basis if _outside(new_countries) else "")
        if kind == "countries" else None,
        reason=reason.strip(), effective_on=effective_on,
        created_by_id=actor.user.id if actor.user else None)
    db.session.add(ann)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same change sent twice at once
        db.session.rollback()
        raise ServiceErrors([("subprocessor", _already_announced(
            _pending(kind, subprocessor)))]) from error
    audit.record("subprocessor.announced", actor=actor, obj=ann, details={
        "kind": kind, "subprocessor": target.name,
        "replacement": replacement.name if kind == "replace" else None,
        "effective_on": effective_on.isoformat(), "countries": list(new_countries) or None})
    db.session.commit()
    from portal.services import notifications

    notifications.announce_later(ann.id)
    return ann


def _outside(codes) -> bool:
    return any(code not in EEA for code in codes)


def _check_announcement(kind, reason, effective_on, subprocessor, data, new_countries,
                        new_transfer_basis, today) -> list[tuple[str, str]]:
    problems = []
    if kind not in KINDS:
        problems.append(("kind", _("Choose what changes.")))
    if not (reason or "").strip():
        problems.append(("reason", _("Give the reason; customers read it.")))
    elif len(reason) > REASON_MAX:
        problems.append(("reason", _("Use at most %(n)d characters.", n=REASON_MAX)))
    if effective_on is None:
        problems.append(("effective_on", _("Enter the date the change takes effect.")))
    elif effective_on < today + timedelta(days=notice_days()):
        problems.append(("effective_on", _(
            "The notice period is %(days)d days: choose %(date)s or later.",
            days=notice_days(), date=format_date(today + timedelta(days=notice_days()), "long"))))
    elif effective_on > today + timedelta(days=FURTHEST_DAYS):  # 2099 is a typing error
        problems.append(("effective_on", _(
            "Choose a date within two years, by %(date)s at the latest.",
            date=format_date(today + timedelta(days=FURTHEST_DAYS), "long"))))
    if kind in ("remove", "replace", "countries") and (
            subprocessor is None or subprocessor.status == "ended"):
        problems.append(("subprocessor", _("Choose a sub-processor in use.")))
    elif kind in ("remove", "replace", "countries"):
        pending = _pending(kind, subprocessor)
        if pending is not None:
            problems.append(("subprocessor", _already_announced(pending)))
    if kind in ("add", "replace"):
        problems += _check_data(data)
    if kind == "countries":
        problems += _check_countries("new_countries", new_countries, new_transfer_basis)
        if subprocessor is not None and tuple(subprocessor.countries) == tuple(new_countries):
            problems.append(("new_countries", _("These are the current countries.")))
    return problems


def _pending(kind: str, subprocessor: SubProcessor | None) -> Announcement | None:
    """The announced change of this kind to ``subprocessor`` that has not taken effect yet."""
    if subprocessor is None:
        return None
    return db.session.scalar(select(Announcement).where(
        Announcement.kind == kind, Announcement.subprocessor_id == subprocessor.id,
        Announcement.applied_at.is_(None), Announcement.withdrawn_at.is_(None)).limit(1))


def _already_announced(pending: Announcement | None) -> str:
    if pending is None:
        return _("This change was just announced.")
    return _("This change to %(name)s was already announced on %(date)s and takes effect on "
             "%(effective)s. To change it, withdraw that announcement first.",
             name=pending.subprocessor.name, date=format_date(pending.announced_at, "long"),
             effective=format_date(pending.effective_on, "long"))


def _check_data(data: SubProcessorData | None) -> list[tuple[str, str]]:
    if data is None:
        return [("name", _("Describe the new sub-processor."))]
    problems = []
    for field, value, limit in (("name", data.name, 200), ("legal_entity", data.legal_entity, 300),
                                ("activity", data.activity, 500)):
        if not value.strip():
            problems.append((field, _("This is required.")))
        elif len(value) > limit:
            problems.append((field, _("Use at most %(n)d characters.", n=limit)))
    if data.name.strip() and data.name.strip().lower() in {
            sp.name.lower() for sp in register()}:
        problems.append(("name", _("A sub-processor with this name is already in the register.")))
    known = set(service_names())
    if not data.services:
        problems.append(("services", _("Choose the services it serves.")))
    elif set(data.services) - known:
        problems.append(("services", _("Unknown service.")))
    problems += _check_countries("countries", data.countries, data.transfer_basis)
    return problems


def _check_countries(field: str, codes: tuple[str, ...], basis: str) -> list[tuple[str, str]]:
    if not codes:
        return [(field, _("Enter at least one country code, like NL or DE."))]
    known = _known_countries()
    wrong = [c for c in codes if not _COUNTRY.match(c) or c not in known]
    if wrong:
        return [(field, ngettext("Use two-letter country codes (ISO 3166), like NL, DE or US: "
                                 "%(wrong)s is not one.",
                                 "Use two-letter country codes (ISO 3166), like NL, DE or US: "
                                 "%(wrong)s are not.", len(wrong), wrong=", ".join(wrong)))]
    if _outside(codes) and basis not in TRANSFER_BASES:
        return [("transfer_basis", _("Outside the EU/EEA a transfer basis is required."))]
    return []


# --- taking effect ------------------------------------------------------------------------

def apply_due(actor: Actor, today: date | None = None) -> list[int]:
    """Make every announced change whose date has come effective; safe to run repeatedly."""
    today = today or utcnow().date()
    due = db.session.scalars(select(Announcement).where(
        Announcement.applied_at.is_(None), Announcement.withdrawn_at.is_(None),
        Announcement.effective_on <= today)
        .order_by(Announcement.effective_on, Announcement.id).with_for_update()).all()
    applied = []
    for ann in due:
        _apply(ann)
        ann.applied_at = utcnow()
        audit.record("subprocessor.change_applied", actor=actor, obj=ann, details={
            "kind": ann.kind, "subprocessor": ann.subprocessor.name,
            "effective_on": ann.effective_on.isoformat()})
        applied.append(ann.id)
    db.session.commit()
    return applied


def withdraw(ann: Announcement, reason: str, actor: Actor) -> Announcement:
    """Take back an announcement before it takes effect; affected customers are told."""
    from portal.models import Objection, ObjectionEvent
    from portal.services import notifications

    reason = (reason or "").strip()
    if ann.applied_at is not None or ann.withdrawn_at is not None:
        raise ServiceErrors([("reason", _("Only a change that has not taken effect can be "
                                          "withdrawn."))])
    if not reason:
        raise ServiceErrors([("reason", _("Give the reason; customers read it."))])
    now = utcnow()
    ann.withdrawn_at, ann.withdrawal_reason = now, reason[:REASON_MAX]
    never_used = ann.subprocessor if ann.kind == "add" else ann.replacement
    if never_used is not None and never_used.status == "announced":
        never_used.status = "ended"
    for objection in db.session.scalars(select(Objection).where(
            Objection.announcement_id == ann.id, Objection.status != "resolved")):
        objection.status, objection.resolution, objection.updated_at = "resolved", "not_used", now
        objection.staff_note = _("Voxio withdrew the change: %(reason)s", reason=reason)
        db.session.add(ObjectionEvent(objection_id=objection.id, status="resolved",
                                      resolution="not_used", note=objection.staff_note,
                                      actor_label=actor.label, created_at=now))
    audit.record("subprocessor.announcement_withdrawn", actor=actor, obj=ann,
                 details={"reason": reason})
    db.session.commit()
    notifications.withdrawal_later(ann.id)
    return ann


def _apply(ann: Announcement) -> None:
    sp = ann.subprocessor
    if ann.kind == "add":
        sp.status, sp.active_since = "active", ann.effective_on
    elif ann.kind == "remove":
        sp.status, sp.ended_on = "ended", ann.effective_on
    elif ann.kind == "replace":
        sp.status, sp.ended_on = "ended", ann.effective_on
        ann.replacement.status, ann.replacement.active_since = "active", ann.effective_on
    elif ann.kind == "countries":
        sp.countries_json = ann.new_countries_json
        sp.transfer_basis = ann.new_transfer_basis or ""


def create_active(data: SubProcessorData, since: date, actor: Actor) -> SubProcessor:
    """Record a sub-processor already in use (initial register, demo data)."""
    problems = _check_data(data)
    if problems:
        raise ServiceErrors(problems)
    sp = SubProcessor(name=data.name, legal_entity=data.legal_entity, activity=data.activity,
                      services_json=json.dumps(list(data.services)),
                      countries_json=json.dumps(list(data.countries)),
                      transfer_basis=data.transfer_basis if _outside(data.countries) else "",
                      status="active", active_since=since)
    db.session.add(sp)
    db.session.flush()
    audit.record("subprocessor.recorded", actor=actor, obj=sp, details={"name": sp.name})
    db.session.commit()
    return sp


def feed_updated(items: list[Announcement]) -> datetime:
    return max((a.withdrawn_at or a.applied_at or a.announced_at for a in items),
               default=utcnow())
