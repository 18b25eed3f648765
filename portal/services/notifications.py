"""Telling affected customers about sub-processor announcements, through the task queue.

The staff request only enqueues ``fan_out``. That task adds an in-portal notice for every
organization whose chosen services the change touches (one INSERT ... SELECT, however many
customers), then queues the e-mails in chunks. Every step is idempotent: a retried or repeated
task finds the notices and e-mails that already exist and skips them.
"""

from __future__ import annotations

from flask_babel import LazyString, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, insert, literal, select, update

from portal.extensions import db
from portal.models import (
    Announcement,
    Delivery,
    Notice,
    NoticeKind,
    Organization,
    OrganizationService,
    utcnow,
)
from portal.services import audit, deliveries, mail
from portal.services.context import cli_actor
from portal.tasks import app_context, huey

MAIL_CHUNK = 500


def announce_later(announcement_id: int) -> None:
    """Queue the fan-out (called after the announcement is committed)."""
    fan_out(announcement_id)


@huey.task(retries=3, retry_delay=30)
def fan_out(announcement_id: int) -> int:
    with app_context():
        return create_notices(announcement_id)


def create_notices(announcement_id: int) -> int:
    """Add the missing notices and queue their e-mails; returns how many notices were added."""
    ann = db.session.get(Announcement, announcement_id)
    if ann is None:
        return 0
    services = sorted(ann.affected_services())
    now = utcnow()
    affected = (select(OrganizationService.organization_id, literal(ann.id),
                       literal(now, type_=Notice.created_at.type)).distinct()
                .where(OrganizationService.service.in_(services))
                .where(~exists().where(and_(
                    Notice.organization_id == OrganizationService.organization_id,
                    Notice.announcement_id == ann.id))))
    result = db.session.execute(insert(Notice).from_select(
        ["organization_id", "announcement_id", "created_at"], affected))
    added = result.rowcount or 0
    if ann.notified_at is None:
        ann.notified_at = now
        audit.record("subprocessor.customers_notified", actor=cli_actor("system"), obj=ann,
                     details={"notices": added})
    db.session.commit()
    pending = db.session.scalars(select(Notice.organization_id).where(
        Notice.announcement_id == ann.id, Notice.mailed_at.is_(None))
        .order_by(Notice.organization_id)).all()
    for start in range(0, len(pending), MAIL_CHUNK):
        mail_notices(ann.id, pending[start:start + MAIL_CHUNK])
    return added


@huey.task(retries=3, retry_delay=30)
def mail_notices(announcement_id: int, organization_ids: list[int]) -> int:
    with app_context():
        return send_notice_mails(announcement_id, organization_ids)


def send_notice_mails(announcement_id: int, organization_ids: list[int]) -> int:
    """E-mail the people who receive notices at these organizations (services.deliveries),
    once per person; returns how many the mail server accepted."""
    ann = db.session.get(Announcement, announcement_id)
    todo = db.session.scalars(select(Notice).where(
        Notice.announcement_id == announcement_id, Notice.organization_id.in_(organization_ids),
        Notice.mailed_at.is_(None)).with_for_update()).all()
    ids = deliveries.queue(NoticeKind.ANNOUNCEMENT, ann.id, [n.organization_id for n in todo])
    db.session.commit()
    sent = deliveries.send(ids, _compose_notice(ann))
    _mark(Notice.mailed_at, ann.id, [n.organization_id for n in todo])
    return sent


def _mark(column, announcement_id: int, organization_ids: list[int]) -> None:
    """The notices' e-mails are handed over (each recipient's outcome is its Delivery)."""
    db.session.execute(update(Notice).where(
        Notice.announcement_id == announcement_id, Notice.organization_id.in_(organization_ids),
        column.is_(None)).values({column: utcnow()}))
    db.session.commit()


def _compose_notice(ann: Announcement):
    orgs: dict[int, Organization] = {}

    def compose(delivery: Delivery) -> mail.Mail:
        org = orgs.get(delivery.organization_id) or db.session.get(
            Organization, delivery.organization_id)
        orgs[org.id] = org
        return mail.render("subprocessor_notice", delivery.email, subject(ann),
                           delivery.locale, announcement=ann, organization=org,
                           name=delivery.name)
    return compose


@huey.task(retries=3, retry_delay=30)
def resend(kind: str, ref_id: int, ids: list[int]) -> int:
    """Deliver queued deliveries again (staff retried the failures)."""
    with app_context():
        ann = db.session.get(Announcement, ref_id)
        compose = _compose_notice(ann) if kind == NoticeKind.ANNOUNCEMENT \
            else _compose_withdrawal(ann)
        return deliveries.send(ids, compose)


for _kind in (NoticeKind.ANNOUNCEMENT, NoticeKind.WITHDRAWAL):
    deliveries.SENDERS[_kind] = lambda ref_id, ids, kind=_kind: resend(kind.value, ref_id, ids)


def subject(ann: Announcement) -> LazyString:
    """The notice's subject, in the language it is read in (mail.render reads it in the
    recipient's)."""
    return LazyString(lambda: _("Voxio announces a change of sub-processors (effective "
                                "%(date)s)", date=format_date(ann.effective_on, "long")))


def catch_up(org: Organization) -> list[int]:
    """Notices for announced changes, not yet in effect, that touch services this organization
    chose only after the announcement (its right to object, art. 5.1, starts now too).

    Runs in the caller's transaction; returns the announcement ids to mail after the commit.
    """
    chosen = set(db.session.scalars(select(OrganizationService.service).where(
        OrganizationService.organization_id == org.id)))
    pending = db.session.scalars(select(Announcement).where(
        Announcement.applied_at.is_(None), Announcement.withdrawn_at.is_(None),
        Announcement.effective_on > utcnow().date(),
        ~exists().where(and_(Notice.organization_id == org.id,
                             Notice.announcement_id == Announcement.id)))).all()
    added = [ann.id for ann in pending if ann.affected_services() & chosen]
    db.session.add_all(Notice(organization_id=org.id, announcement_id=ann_id,
                              created_at=utcnow()) for ann_id in added)
    return added


def mail_caught_up(org: Organization, announcement_ids: list[int]) -> None:
    """Queue the e-mails for :func:`catch_up`'s notices (after they are committed)."""
    for ann_id in announcement_ids:
        mail_notices(ann_id, [org.id])


def notices_for(org: Organization) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.organization_id == org.id)
                                   .order_by(Notice.created_at.desc(), Notice.id.desc())))


def notice_count(ann: Announcement) -> int:
    """How many organizations an announcement concerns (their notices)."""
    return db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.announcement_id == ann.id))


def notice_for(org: Organization, announcement_id: int) -> Notice | None:
    return db.session.scalar(select(Notice).where(Notice.organization_id == org.id,
                                                  Notice.announcement_id == announcement_id))


def withdrawal_later(announcement_id: int) -> None:
    """Queue the e-mails that take an announcement back."""
    queue_withdrawal(announcement_id)


@huey.task(retries=3, retry_delay=30)
def queue_withdrawal(announcement_id: int) -> int:
    with app_context():
        pending = db.session.scalars(select(Notice.organization_id).where(
            Notice.announcement_id == announcement_id, Notice.withdrawal_mailed_at.is_(None))
            .order_by(Notice.organization_id)).all()
        for start in range(0, len(pending), MAIL_CHUNK):
            mail_withdrawals(announcement_id, pending[start:start + MAIL_CHUNK])
        return len(pending)


@huey.task(retries=3, retry_delay=30)
def mail_withdrawals(announcement_id: int, organization_ids: list[int]) -> int:
    with app_context():
        return send_withdrawal_mails(announcement_id, organization_ids)


def send_withdrawal_mails(announcement_id: int, organization_ids: list[int]) -> int:
    ann = db.session.get(Announcement, announcement_id)
    todo = db.session.scalars(select(Notice).where(
        Notice.announcement_id == announcement_id, Notice.organization_id.in_(organization_ids),
        Notice.withdrawal_mailed_at.is_(None)).with_for_update()).all()
    ids = deliveries.queue(NoticeKind.WITHDRAWAL, ann.id, [n.organization_id for n in todo])
    db.session.commit()
    sent = deliveries.send(ids, _compose_withdrawal(ann))
    _mark(Notice.withdrawal_mailed_at, ann.id, [n.organization_id for n in todo])
    return sent


def _compose_withdrawal(ann: Announcement):
    def compose(delivery: Delivery) -> mail.Mail:
        return mail.render("subprocessor_withdrawn", delivery.email,
                           _l("Voxio withdraws an announced change of sub-processors"),
                           delivery.locale, announcement=ann, name=delivery.name)
    return compose
