"""Customer objections to announced sub-processor changes (art. 5.1), and their handling."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.labels import OBJECTION_STATUS_LABELS
from portal.models import (
    Announcement,
    Objection,
    ObjectionEvent,
    ObjectionStatus,
    Organization,
    Permission,
    Resolution,
    utcnow,
)
from portal.services import ServiceError, ServiceErrors, audit, mail, require, users
from portal.services.context import Actor
from portal.services.notifications import notice_for

REASON_MIN, REASON_MAX, NOTE_MAX = 10, 2000, 2000
SUBMITTED, IN_REVIEW, RESOLVED = ObjectionStatus
# Allowed moves: a submitted objection goes into review or straight to a resolution.
TRANSITIONS = {SUBMITTED: (IN_REVIEW, RESOLVED), IN_REVIEW: (RESOLVED,)}


def open_objection(org: Organization, announcement: Announcement) -> Objection | None:
    return db.session.scalar(select(Objection).where(
        Objection.organization_id == org.id, Objection.announcement_id == announcement.id,
        Objection.status != RESOLVED))


def for_organization(org: Organization) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.organization_id == org.id)
                                   .order_by(Objection.created_at.desc(), Objection.id.desc())))


def deadline_passed(announcement: Announcement) -> bool:
    """True once objecting makes no sense: the change took effect, or was withdrawn."""
    return (utcnow().date() >= announcement.effective_on or announcement.applied_at is not None
            or announcement.withdrawn_at is not None)


def submit(org: Organization, announcement: Announcement, reason: str, actor: Actor) -> Objection:
    """Object before the effective date; one open objection per organization and change."""
    require(actor.user, Permission.OBJECT)
    reason = (reason or "").strip()
    if notice_for(org, announcement.id) is None:
        raise ServiceError(_("This change does not concern the services you chose."))
    if deadline_passed(announcement):
        raise ServiceError(_("The deadline has passed: objections were possible until %(date)s.",
                             date=announcement.effective_on.isoformat()))
    if len(reason) < REASON_MIN:
        raise ServiceError(_("Explain why (at least %(n)d characters).", n=REASON_MIN), "reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(_("Use at most %(n)d characters.", n=REASON_MAX), "reason")
    if open_objection(org, announcement) is not None:
        raise ServiceError(_("Your organization already has an open objection to this change."))
    settled = db.session.scalar(select(Objection).where(
        Objection.organization_id == org.id, Objection.announcement_id == announcement.id,
        Objection.status == RESOLVED, Objection.resolution != Resolution.WITHDRAWN))
    if settled is not None:
        raise ServiceError(_("Voxio has already settled your objection to this change."))
    now = utcnow()
    objection = Objection(organization_id=org.id, announcement_id=announcement.id,
                          reason=reason, status=SUBMITTED,
                          submitted_by_id=actor.user.id if actor.user else None,
                          created_at=now, updated_at=now)
    db.session.add(objection)
    try:
        db.session.flush()
    except IntegrityError as error:  # a simultaneous second submit
        db.session.rollback()
        raise ServiceError(_("Your organization already has an open objection to this "
                             "change.")) from error
    db.session.add(ObjectionEvent(objection_id=objection.id, status=SUBMITTED,
                                  note="", actor_label=actor.label, created_at=now))
    audit.record("objection.submitted", actor=actor, organization=org, obj=objection,
                 details={"announcement": announcement.id,
                          "subprocessor": announcement.subprocessor.name})
    for member in users.active_staff():  # whoever handles it, in their own language
        mail.send("objection_submitted", member.email,
                  _l("Objection from %(org)s to a sub-processor change", org=org.name),
                  locale=member.locale, objection=objection, organization=org,
                  announcement=announcement, name=member.name)
    if actor.user is not None:  # a receipt with what was sent and what happens next
        mail.send("objection_received", actor.user.email, _l("We received your objection"),
                  locale=actor.user.locale, objection=objection, organization=org,
                  announcement=announcement, name=actor.user.name)
    db.session.commit()
    return objection


def set_status(objection: Objection, status: str, actor: Actor, *, resolution: str | None = None,
               note: str = "") -> Objection:
    """Staff move an objection on: into review, or resolved with how and a note."""
    note = (note or "").strip()
    problems = []
    if status not in TRANSITIONS.get(objection.status, ()):
        problems.append(("status", _("This objection cannot go from %(old)s to %(new)s.",
                                     old=status_label(objection.status),
                                     new=status_label(status))))
    if status == RESOLVED and resolution not in set(Resolution):
        problems.append(("resolution", _("Say how it was resolved.")))
    if status == RESOLVED and not note:
        problems.append(("note", _("Add a note for the customer.")))
    if len(note) > NOTE_MAX:
        problems.append(("note", _("Use at most %(n)d characters.", n=NOTE_MAX)))
    if problems:
        raise ServiceErrors(problems)
    _move(objection, status, actor, resolution=resolution, note=note)
    org = objection.organization
    for owner in users.holding(org, Permission.RECEIVE_NOTICES):
        mail.send("objection_status", owner.email,
                  _l("Your objection to a sub-processor change: %(status)s",
                     status=OBJECTION_STATUS_LABELS[status]),  # in the reader's language
                  locale=owner.locale, objection=objection, organization=org, name=owner.name)
    db.session.commit()
    return objection


def settle_for_withdrawal(announcement: Announcement, reason: str, actor: Actor) -> None:
    """Resolve every open objection to a withdrawn change: the sub-processor is not used.

    Runs in the caller's transaction (the withdrawal); its e-mails tell the customers.
    """
    note = _("Voxio withdrew the change: %(reason)s", reason=reason)
    for objection in db.session.scalars(select(Objection).where(
            Objection.announcement_id == announcement.id, Objection.status != RESOLVED)):
        _move(objection, RESOLVED, actor, resolution=Resolution.NOT_USED, note=note)


def _move(objection: Objection, status: ObjectionStatus, actor: Actor, *,
          resolution: Resolution | None, note: str,
          action: str = "objection.status_changed") -> None:
    """Every change of an objection's status goes through here: the allowed transition, the
    event in its history and the audit entry, in the caller's transaction."""
    if status not in TRANSITIONS.get(objection.status, ()):
        raise ValueError(f"objection {objection.id}: {objection.status} -> {status}")
    now = utcnow()
    objection.status = ObjectionStatus(status)
    objection.resolution = Resolution(resolution) if status == RESOLVED else None
    if note:
        objection.staff_note = note
    objection.updated_at = now
    db.session.add(ObjectionEvent(objection_id=objection.id, status=objection.status,
                                  resolution=objection.resolution, note=note,
                                  actor_label=actor.label, created_at=now))
    audit.record(action, actor=actor, organization=objection.organization_id,
                 obj=objection, details={"status": objection.status,
                                                 "resolution": objection.resolution})


def status_label(status: str) -> str:
    return str(OBJECTION_STATUS_LABELS.get(status, status))


def for_announcement(announcement: Announcement, status: str = "") -> list[Objection]:
    stmt = select(Objection).where(Objection.announcement_id == announcement.id)
    if status:
        stmt = stmt.where(Objection.status == status)
    return list(db.session.scalars(stmt.order_by(Objection.created_at, Objection.id)))


def objection(objection_id: int) -> Objection | None:
    return db.session.get(Objection, objection_id)


def open_counts() -> dict[int, int]:
    """Open objections per announcement (staff lists)."""
    rows = db.session.execute(select(Objection.announcement_id, func.count())
                              .where(Objection.status != RESOLVED)
                              .group_by(Objection.announcement_id))
    return dict(rows.all())


# --- the customer follows its objection up: adds information, or withdraws it ---------------

# What each step in an objection's history was (see timeline).
RAISED, INFORMATION, WITHDRAWAL, HANDLING = "raised", "information", "withdrawal", "handling"


@dataclass(frozen=True)
class Entry:
    kind: str  # RAISED, INFORMATION (the customer added to it), WITHDRAWAL, HANDLING (staff)
    event: ObjectionEvent


def timeline(objection: Objection) -> list[Entry]:
    """The objection's history, oldest first. Staff always move the status on; an event that
    keeps the status is information the customer added."""
    entries, previous = [], None
    for event in objection.events:
        if previous is None:
            kind = RAISED
        elif event.status == previous:
            kind = INFORMATION
        elif event.resolution == Resolution.WITHDRAWN:
            kind = WITHDRAWAL
        else:
            kind = HANDLING
        entries.append(Entry(kind, event))
        previous = event.status
    return entries


def add_information(objection: Objection, note: str, actor: Actor) -> Objection:
    """The customer adds to its open objection (art. 5.1); staff are told."""
    require(actor.user, Permission.OBJECT)
    note = (note or "").strip()
    _lock_open(objection)
    if len(note) < REASON_MIN:
        raise ServiceError(_("Write at least %(n)d characters.", n=REASON_MIN), "note")
    if len(note) > REASON_MAX:
        raise ServiceError(_("Use at most %(n)d characters.", n=REASON_MAX), "note")
    now = utcnow()
    objection.updated_at = now
    db.session.add(ObjectionEvent(objection_id=objection.id, status=objection.status,
                                  note=note, actor_label=actor.label, created_at=now))
    audit.record("objection.information_added", actor=actor,
                 organization=objection.organization_id, obj=objection,
                 details={"announcement": objection.announcement_id, "characters": len(note)})
    _tell_staff(objection, _l("%(org)s adds information to its objection",
                              org=objection.organization.name), added=note)
    db.session.commit()
    return objection


def withdraw(objection: Objection, actor: Actor) -> Objection:
    """The customer withdraws its open objection: resolved as withdrawn; staff are told. It
    may object to the change again until the deadline."""
    require(actor.user, Permission.OBJECT)
    _lock_open(objection)
    _move(objection, RESOLVED, actor, resolution=Resolution.WITHDRAWN, note="",
          action="objection.withdrawn")
    _tell_staff(objection, _l("%(org)s withdraws its objection",
                              org=objection.organization.name), added=None)
    db.session.commit()
    return objection


def _lock_open(objection: Objection) -> None:
    """Lock the objection and refuse if it is closed (staff may have resolved it meanwhile)."""
    db.session.execute(select(Objection.id).where(Objection.id == objection.id)
                       .with_for_update())
    db.session.refresh(objection)
    if objection.status == RESOLVED:
        db.session.rollback()
        raise ServiceError(_("This objection is closed, so it can no longer be changed. If "
                             "something new comes up, contact Voxio."))


def _tell_staff(objection: Objection, subject, added: str | None) -> None:
    """E-mail every staff member, in their own language, what the customer did."""
    for member in users.active_staff():
        mail.send("objection_follow_up", member.email, subject, locale=member.locale,
                  objection=objection, organization=objection.organization,
                  announcement=objection.announcement, added=added, name=member.name)
