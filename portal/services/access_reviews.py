"""Sample checks of compliance (Bijlage 2): each month a random sample of access events
(staff opening customer data, pages with personal data seen, downloads, exports) for a staff
reviewer, who records per item "fine" or a finding. The sample and its review are kept and
exportable; every step is audit-logged.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    STAFF_ROLES,
    AccessReview,
    AccessReviewItem,
    AuditEvent,
    Organization,
    User,
    utcnow,
)
from portal.services import ServiceErrors, audit
from portal.services.context import Actor

# staff opening customer data (pages with personal data: staff's only), downloads, exports
SAMPLED = ("organization.viewed_by_staff", "personal_data.viewed", "agreement.download",
           "agreement.choices_exported", "audit.exported")
SAMPLE_SIZE = 25
VERDICTS = ("fine", "finding")


def previous_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _bounds(period: str) -> tuple[datetime, datetime]:
    year, month = (int(part) for part in period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def draw(period: str, actor: Actor, size: int = SAMPLE_SIZE) -> AccessReview:
    """The month's sample, drawn once (drawing again returns the one drawn before)."""
    existing = db.session.scalar(select(AccessReview).where(AccessReview.period == period))
    if existing is not None:
        return existing
    start, end = _bounds(period)
    staff = select(User.id).where(User.role.in_(STAFF_ROLES))
    population = list(db.session.scalars(select(AuditEvent.id).where(
        AuditEvent.action.in_(SAMPLED), AuditEvent.created_at >= start,
        AuditEvent.created_at < end,
        # a customer reading its own pages needs no check; staff reading them does
        (AuditEvent.action != "personal_data.viewed") | AuditEvent.actor_id.in_(staff))
        .execution_options(unscoped=True)))
    chosen = sorted(secrets.SystemRandom().sample(population, min(size, len(population))))
    review = AccessReview(period=period, population=len(population), drawn_at=utcnow(),
                          closed_at=None if chosen else utcnow())
    review.items = [AccessReviewItem(event_id=event_id, note="") for event_id in chosen]
    db.session.add(review)
    db.session.flush()
    audit.record("access_review.drawn", actor=actor, obj=review,
                 details={"period": period, "population": len(population),
                          "sample": len(chosen)})
    db.session.commit()
    return review


def judge(review: AccessReview, answers: dict[int, tuple[str, str]], actor: Actor) -> int:
    """Record the reviewer's verdicts (item id -> (verdict, note)) in one go; how many changed.

    Items left without a verdict stay open. A finding needs a note: if any lacks one,
    :class:`ServiceErrors` names each such item (by ``note-<id>``) and nothing is saved.
    """
    problems = [(f"note-{item.id}", _("Describe the finding: what is wrong, and what "
                                     "follows."))
                for item in review.items
                if answers.get(item.id, ("", ""))[0] == "finding"
                and not answers[item.id][1].strip()]
    problems += [(f"verdict-{item.id}", _("Choose “fine” or “finding”."))
                 for item in review.items
                 if answers.get(item.id, ("", ""))[0] not in ("", *VERDICTS)]
    if problems:
        raise ServiceErrors(problems)
    now, changed = utcnow(), 0
    for item in review.items:
        verdict, note = answers.get(item.id, ("", ""))
        note = note.strip()[:2000]
        if not verdict or (verdict, note) == (item.verdict, item.note):
            continue
        item.verdict, item.note = verdict, note
        item.reviewed_by_id = actor.user.id if actor.user else None
        item.reviewed_at = now
        changed += 1
        audit.record("access_review.judged", actor=actor, obj=review,
                     details={"period": review.period, "event": item.event_id,
                              "verdict": verdict})
    if all(i.verdict for i in review.items) and review.closed_at is None:
        review.closed_at = now
    db.session.commit()
    return changed


def customer_names(review: AccessReview) -> dict[int, str]:
    """The names of the customers the sampled events concern, by id."""
    ids = {item.event.organization_id for item in review.items} - {None}
    return dict(db.session.execute(select(Organization.id, Organization.name)
                                   .where(Organization.id.in_(ids))).all()) if ids else {}


def reviews() -> list[AccessReview]:
    return list(db.session.scalars(select(AccessReview).order_by(AccessReview.period.desc())))


def export_csv(review: AccessReview, actor: Actor) -> list[str]:
    """The review as CSV lines, the export audit-logged."""
    audit.record("access_review.exported", actor=actor, obj=review,
                 details={"period": review.period})
    db.session.commit()
    return [audit.csv_text(
        ("period", "event_seq", "event_time", "actor", "action", "organization_id", "object",
         "verdict", "note", "reviewed_by", "reviewed_at"),
        ((review.period, item.event.seq, item.event.created_at.isoformat(),
          item.event.actor_label, item.event.action, item.event.organization_id or "",
          f"{item.event.object_type or ''} {item.event.object_id or ''}".strip(),
          item.verdict or "", item.note, item.reviewed_by.email if item.reviewed_by else "",
          item.reviewed_at.isoformat() if item.reviewed_at else "") for item in review.items))]
