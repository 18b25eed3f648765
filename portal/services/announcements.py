"""Announced changes to the sub-processor register (art. 5.1): announce, withdraw, take effect.

A change is announced with a reason and an effective date at least the notice period ahead;
affected customers (and the public register's e-mail subscribers, services.subscriptions) are
told through the task queue; customers may object until that date. On the date,
:func:`apply_due` makes the change so.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Announcement, ChangeKind, SubProcessor, SubProcessorStatus, utcnow
from portal.services import ServiceErrors, audit, notifications, objections, subscriptions
from portal.services.context import Actor
from portal.services.subprocessors import (
    SubProcessorData,
    check_countries,
    check_data,
    outside_eea,
)

ADD, REMOVE, REPLACE, COUNTRIES = ChangeKind
ANNOUNCED, ACTIVE, ENDED = SubProcessorStatus
REASON_MAX = 2000
FURTHEST_DAYS = 2 * 365  # how far ahead a change may be announced


def notice_days() -> int:
    return current_app.config["SUBPROCESSOR_NOTICE_DAYS"]


def earliest_effective(today: date | None = None) -> date:
    return (today or utcnow().date()) + timedelta(days=notice_days())


# --- reading ----------------------------------------------------------------------------

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
             reason_en: str = "", today: date | None = None) -> Announcement:
    """Announce one change; refuses a date inside the notice period (no backdating)."""
    ann = draft(kind, reason=reason, reason_en=reason_en, effective_on=effective_on,
                subprocessor=subprocessor, data=data, new_countries=new_countries,
                new_transfer_basis=new_transfer_basis, today=today)
    kind, target, replacement = ann.kind, ann.subprocessor, ann.replacement
    ann.created_by_id = actor.user.id if actor.user else None
    db.session.add(ann)  # with the new sub-processor it names
    try:
        db.session.flush()
    except IntegrityError as error:  # the same change sent twice at once
        db.session.rollback()
        raise ServiceErrors([("subprocessor", _already_announced(
            _pending(kind, subprocessor)))]) from error
    audit.record("subprocessor.announced", actor=actor, obj=ann, details={
        "kind": kind, "subprocessor": target.name,
        "replacement": replacement.name if replacement is not None else None,
        "effective_on": effective_on.isoformat(), "countries": list(new_countries) or None})
    db.session.commit()
    notifications.announce_later(ann.id)
    subscriptions.announce_later(ann.id)  # and whoever follows the public register
    return ann


def draft(kind: str, *, reason: str, effective_on: date | None, reason_en: str = "",
          subprocessor: SubProcessor | None = None, data: SubProcessorData | None = None,
          new_countries: tuple[str, ...] = (), new_transfer_basis: str = "",
          today: date | None = None) -> Announcement:
    """The change as :func:`announce` would record it, checked but not stored (the announce
    form's preview shows it); refuses what announce refuses."""
    today = today or utcnow().date()
    problems = _check_announcement(kind, reason, effective_on, subprocessor, data,
                                   new_countries, new_transfer_basis, today)
    if len(reason_en or "") > REASON_MAX:  # optional, otherwise as the Dutch
        problems.append(("reason_en", _("Use at most %(n)d characters.", n=REASON_MAX)))
    if problems:
        raise ServiceErrors(problems)
    replacement = None
    kind = ChangeKind(kind)
    if kind in (ADD, REPLACE):
        replacement = SubProcessor(
            name=data.name.strip(), legal_entity=data.legal_entity.strip(),
            activity=data.activity.strip(), activity_en=data.activity_en.strip(),
            services_json=json.dumps(list(data.services)),
            countries_json=json.dumps(list(data.countries)),
            transfer_basis=data.transfer_basis if outside_eea(data.countries) else "",
            status=ANNOUNCED)
    return Announcement(
        kind=kind, subprocessor=replacement if kind == ADD else subprocessor,
        replacement=replacement if kind == REPLACE else None,
        new_countries_json=json.dumps(list(new_countries)) if kind == COUNTRIES else None,
        new_transfer_basis=(new_transfer_basis if outside_eea(new_countries) else "")
        if kind == COUNTRIES else None,
        reason=reason.strip(), reason_en=(reason_en or "").strip(), effective_on=effective_on,
        withdrawal_reason_en="")


def _check_announcement(kind, reason, effective_on, subprocessor, data, new_countries,
                        new_transfer_basis, today) -> list[tuple[str, str]]:
    problems = []
    if kind not in set(ChangeKind):
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
    if kind in (REMOVE, REPLACE, COUNTRIES) and (
            subprocessor is None or subprocessor.status == ENDED):
        problems.append(("subprocessor", _("Choose a sub-processor in use.")))
    elif kind in (REMOVE, REPLACE, COUNTRIES):
        pending = _pending(kind, subprocessor)
        if pending is not None:
            problems.append(("subprocessor", _already_announced(pending)))
    if kind in (ADD, REPLACE):
        problems += check_data(data)
    if kind == COUNTRIES:
        problems += check_countries("new_countries", new_countries, new_transfer_basis)
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


# --- taking effect or not ------------------------------------------------------------------

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


def _apply(ann: Announcement) -> None:
    sp = ann.subprocessor
    if ann.kind == ADD:
        sp.status, sp.active_since = ACTIVE, ann.effective_on
    elif ann.kind == REMOVE:
        sp.status, sp.ended_on = ENDED, ann.effective_on
    elif ann.kind == REPLACE:
        sp.status, sp.ended_on = ENDED, ann.effective_on
        ann.replacement.status, ann.replacement.active_since = ACTIVE, ann.effective_on
    elif ann.kind == COUNTRIES:
        sp.countries_json = ann.new_countries_json
        sp.transfer_basis = ann.new_transfer_basis or ""


def withdraw(ann: Announcement, reason: str, actor: Actor,
             reason_en: str = "") -> Announcement:
    """Take back an announcement before it takes effect; affected customers are told (in
    English too when ``reason_en`` is given)."""
    reason = (reason or "").strip()
    if ann.applied_at is not None or ann.withdrawn_at is not None:
        raise ServiceErrors([("reason", _("Only a change that has not taken effect can be "
                                          "withdrawn."))])
    if not reason:
        raise ServiceErrors([("reason", _("Give the reason; customers read it."))])
    now = utcnow()
    ann.withdrawn_at, ann.withdrawal_reason = now, reason[:REASON_MAX]
    ann.withdrawal_reason_en = (reason_en or "").strip()[:REASON_MAX]
    never_used = ann.subprocessor if ann.kind == ADD else ann.replacement
    if never_used is not None and never_used.status == ANNOUNCED:
        never_used.status = ENDED
    objections.settle_for_withdrawal(ann, reason, actor)
    audit.record("subprocessor.announcement_withdrawn", actor=actor, obj=ann,
                 details={"reason": reason})
    db.session.commit()
    notifications.withdrawal_later(ann.id)
    subscriptions.withdrawal_later(ann.id)
    return ann
