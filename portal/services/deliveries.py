"""Notices by e-mail that reach the right people, recorded per recipient.

Who: every active person of the organization whose roles receive notices (owners, privacy
contacts) and the art. 7.3 contact of the latest choices, who may have no account; each
address once. Each recipient is a :class:`~portal.models.Delivery`: queued, then accepted by
the mail server (``sent``) or ``failed``; later ``seen`` (opened in the portal) and
``acknowledged``. A task hands the queued ones over one at a time and records each outcome at
once, so a retried or repeated task mails nobody twice (only a crash between the mail server's
"accepted" and that record can repeat a message: at least once) and staff watch a run go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    ChoiceRevision,
    Delivery,
    DeliveryStatus,
    NoticeKind,
    Permission,
    User,
    utcnow,
)
from portal.services import audit, mail
from portal.services.accounts import normalise_email
from portal.services.context import Actor
from portal.services.mail import Mail

# Each kind's sender: queues the task that delivers ``ids`` of ``ref_id`` (set by the module
# that composes that kind's e-mail, e.g. services.notifications), so a retry finds it.
SENDERS: dict[NoticeKind, Callable[[int, list[int]], None]] = {}


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    user_id: int | None = None
    locale: str | None = None


def recipients(org_ids: Iterable[int]) -> dict[int, list[Recipient]]:
    """Who receives notices, per organization: people with the role, then the art. 7.3
    contact of the latest choices (unless that address is one of them)."""
    org_ids = list(org_ids)
    found: dict[int, list[Recipient]] = {org_id: [] for org_id in org_ids}
    for user in db.session.scalars(select(User).where(
            User.organization_id.in_(org_ids), User.active.is_(True),
            User.holding(Permission.RECEIVE_NOTICES)).order_by(User.name)):
        found[user.organization_id].append(Recipient(user.email, user.name, user.id,
                                                     user.locale))
    newest = (select(ChoiceRevision.organization_id, func.max(ChoiceRevision.number)
                     .label("number"))
              .where(ChoiceRevision.organization_id.in_(org_ids))
              .group_by(ChoiceRevision.organization_id).subquery())
    for rev in db.session.scalars(select(ChoiceRevision).join(newest, (
            ChoiceRevision.organization_id == newest.c.organization_id)
            & (ChoiceRevision.number == newest.c.number))):
        contact = rev.choices.breach_contact
        email = normalise_email(contact.email) if contact.email else ""
        if email and email not in {r.email for r in found[rev.organization_id]}:
            found[rev.organization_id].append(Recipient(email, contact.name))
    return found


def queue(kind: NoticeKind, ref_id: int, org_ids: Iterable[int]) -> list[int]:
    """Add a queued delivery for every recipient that has none yet; returns all queued ids."""
    org_ids = list(org_ids)
    have = {(org_id, email) for org_id, email in db.session.execute(
        select(Delivery.organization_id, Delivery.email).where(
            Delivery.kind == kind, Delivery.ref_id == ref_id,
            Delivery.organization_id.in_(org_ids)))}
    now = utcnow()
    for org_id, people in recipients(org_ids).items():
        for person in people:
            if (org_id, person.email) not in have:
                db.session.add(Delivery(kind=kind, ref_id=ref_id, organization_id=org_id,
                                        email=person.email, name=person.name,
                                        user_id=person.user_id, locale=person.locale,
                                        queued_at=now, status=DeliveryStatus.QUEUED,
                                        attempts=0, error=""))
    db.session.flush()
    return list(db.session.scalars(select(Delivery.id).where(
        Delivery.kind == kind, Delivery.ref_id == ref_id,
        Delivery.organization_id.in_(org_ids), Delivery.status == DeliveryStatus.QUEUED)
        .order_by(Delivery.id)))


def send(ids: list[int], compose: Callable[[Delivery], Mail]) -> int:
    """Hand each still-queued delivery to the mail server and record the outcome at once;
    returns how many were accepted."""
    accepted = 0
    for delivery_id in ids:
        delivery = db.session.scalar(select(Delivery).where(
            Delivery.id == delivery_id, Delivery.status == DeliveryStatus.QUEUED)
            .with_for_update(skip_locked=True))
        if delivery is None:
            db.session.rollback()
            continue  # sent meanwhile, or another worker has it
        error = mail.deliver_now(compose(delivery))
        delivery.attempts += 1
        if error:
            delivery.status, delivery.error = DeliveryStatus.FAILED, error[:300]
        else:
            delivery.status, delivery.sent_at, delivery.error = DeliveryStatus.SENT, utcnow(), ""
            accepted += 1
        db.session.commit()
    return accepted


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    sent: int
    failed: int
    seen: int
    acknowledged: int

    @property
    def running(self) -> bool:
        return self.queued > 0


def progress(kind: NoticeKind, ref_id: int) -> Progress:
    def count(status):
        return func.count().filter(Delivery.status == status)
    row = db.session.execute(select(
        func.count(), count(DeliveryStatus.QUEUED), count(DeliveryStatus.SENT),
        count(DeliveryStatus.FAILED), func.count(Delivery.seen_at),
        func.count(Delivery.acknowledged_at)).where(
        Delivery.kind == kind, Delivery.ref_id == ref_id)).one()
    return Progress(*row)  # one query: the staff page polls it while a run goes


def listing(kind: NoticeKind, ref_id: int, status: str = ""):
    """The deliveries of one notice, failures first (staff page; paginated by the caller)."""
    stmt = select(Delivery).where(Delivery.kind == kind, Delivery.ref_id == ref_id)
    if status in set(DeliveryStatus):
        stmt = stmt.where(Delivery.status == status)
    order = (Delivery.status != DeliveryStatus.FAILED, Delivery.organization_id, Delivery.id)
    return stmt.options(selectinload(Delivery.organization)).order_by(*order)


def retry_failed(kind: NoticeKind, ref_id: int, actor: Actor) -> int:
    """Queue the failed deliveries again and start their task; returns how many."""
    ids = list(db.session.scalars(select(Delivery.id).where(
        Delivery.kind == kind, Delivery.ref_id == ref_id,
        Delivery.status == DeliveryStatus.FAILED)))
    if not ids:
        return 0
    db.session.execute(update(Delivery).where(Delivery.id.in_(ids))
                       .values(status=DeliveryStatus.QUEUED))
    audit.record("notice.retried", actor=actor, details={"kind": kind.value, "ref": ref_id,
                                                         "count": len(ids)})
    db.session.commit()
    SENDERS[kind](ref_id, ids)
    return len(ids)


def _theirs(user: User):
    """SQL: the person's own deliveries, by account (the address may have changed since)."""
    return or_(Delivery.user_id == user.id,
               and_(Delivery.user_id.is_(None), Delivery.email == user.email))


def mark_seen(kind: NoticeKind, ref_ids: Iterable[int], user: User) -> None:
    """The person opened these notices in the portal (first time only)."""
    ref_ids = list(ref_ids)
    if not ref_ids:
        return
    result = db.session.execute(update(Delivery).where(
        Delivery.kind == kind, Delivery.ref_id.in_(ref_ids), _theirs(user),
        Delivery.organization_id == user.organization_id, Delivery.seen_at.is_(None))
        .values(seen_at=utcnow()))
    if result.rowcount:
        db.session.commit()


def for_person(kind: NoticeKind, ref_ids: Iterable[int], user: User) -> dict[int, Delivery]:
    """The person's own deliveries of these notices, by what they are about."""
    return {d.ref_id: d for d in db.session.scalars(select(Delivery).where(
        Delivery.kind == kind, Delivery.ref_id.in_(list(ref_ids)), _theirs(user),
        Delivery.organization_id == user.organization_id))}


def acknowledge(kind: NoticeKind, ref_id: int, user: User, actor: Actor) -> bool:
    """The person confirms they read the notice; False when they were not sent it."""
    delivery = db.session.scalar(select(Delivery).where(
        Delivery.kind == kind, Delivery.ref_id == ref_id, _theirs(user),
        Delivery.organization_id == user.organization_id))
    if delivery is None:
        return False
    if delivery.acknowledged_at is None:
        now = utcnow()
        delivery.acknowledged_at, delivery.seen_at = now, delivery.seen_at or now
        audit.record("notice.acknowledged", actor=actor, organization=user.organization_id,
                     obj=delivery, details={"kind": kind.value, "ref": ref_id})
        db.session.commit()
    return True
