"""The date Voxio asks a customer to sign by, and reminders until it has signed.

Staff set (or clear) the date. A daily job (``flask agreements remind``) finds, in SQL, every
customer with a date that has not signed its newest choices (or made none yet) and was not
reminded in the last ``SIGN_REMINDER_DAYS``; it marks them reminded and queues one e-mail
task each, in one transaction. Each task locks its customer's row (so it waits for that
commit), checks that its run is still the last one, that the customer still has to sign and
that the reminder is not in the audit log yet; then it mails and logs the reminder in one
transaction. A second run in the same interval, a retried task or a task run twice sends
nothing more; signing stops the reminders.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import and_, exists, not_, or_, select, update

from portal.extensions import db
from portal.models import (
    AuditEvent,
    ChoiceRevision,
    Organization,
    Permission,
    SignedAgreement,
    User,
    utcnow,
)
from portal.services import ServiceError, agreements, audit, mail, signed_copies, users
from portal.services.context import Actor, cli_actor
from portal.tasks import app_context, huey

REMINDED = "agreement.sign_reminded"
# What the customer has left to do (the e-mail says it in words).
MAKE_CHOICES, SIGN, SIGN_AGAIN = "make_choices", "sign", "sign_again"


def interval() -> timedelta:
    return timedelta(days=current_app.config["SIGN_REMINDER_DAYS"])


def signed(today: date):
    """SQL, per organization: its agreement in force covers its newest choices and the
    current agreement text (as the customer's start page says "signed")."""
    newest = (select(ChoiceRevision.id).where(ChoiceRevision.organization_id == Organization.id)
              .order_by(ChoiceRevision.number.desc()).limit(1)
              .correlate(Organization).scalar_subquery())
    return exists().where(SignedAgreement.organization_id == Organization.id,
                          SignedAgreement.superseded_at.is_(None),
                          SignedAgreement.revision_id == newest,
                          SignedAgreement.template_id == agreements.current_template_id(today))


def awaiting_signature(today: date):
    """SQL: a date to sign by is set and the organization has not signed (for its newest
    choices, or made none yet)."""
    return and_(Organization.sign_by.is_not(None), not_(signed(today)))


def overdue(today: date):
    """SQL: the date to sign by has passed and the organization has still not signed."""
    return and_(Organization.sign_by < today, not_(signed(today)))


def overdue_among(org_ids: list[int]) -> set[int]:
    """Which of these organizations are past their date to sign by, in one query (staff)."""
    return set(db.session.scalars(select(Organization.id).where(
        Organization.id.in_(org_ids), overdue(utcnow().date()))))


def is_overdue(org: Organization, covered: bool, today: date | None = None) -> bool:
    """Whether ``org`` is past its date to sign by; ``covered``: it signed its newest choices."""
    today = today or utcnow().date()
    return org.sign_by is not None and org.sign_by < today and not covered


def set_sign_by(org: Organization, sign_by: date | None, actor: Actor) -> bool:
    """Staff set the date to sign by (today or later), or clear it; whether it changed."""
    if sign_by is not None and sign_by < utcnow().date():
        raise ServiceError(_("Choose today or a later date."), "sign_by")
    if sign_by == org.sign_by:
        return False
    previous, org.sign_by = org.sign_by, sign_by
    audit.record("organization.sign_by_set" if sign_by else "organization.sign_by_cleared",
                 actor=actor, organization=org, obj=org,
                 details={"from": previous.isoformat() if previous else None,
                          "to": sign_by.isoformat() if sign_by else None})
    db.session.commit()
    return True


def remind_due(now: datetime | None = None) -> list[str]:
    """Mark every customer that is due a reminder and queue its e-mail, in one transaction;
    the customer numbers reminded (daily job)."""
    now = now or utcnow()
    due = (update(Organization)
           .where(awaiting_signature(now.date()),
                  or_(Organization.sign_reminded_at.is_(None),
                      Organization.sign_reminded_at <= now - interval()))
           .values(sign_reminded_at=now)
           .returning(Organization.id, Organization.customer_number)
           .execution_options(synchronize_session=False))
    try:
        rows = sorted(db.session.execute(due).all())
        for org_id, _number in rows:
            mail_reminder(org_id, now.isoformat())  # each task waits for this commit
        db.session.commit()
    except BaseException:
        db.session.rollback()  # queued tasks then find their run was never recorded
        raise
    return [number for _id, number in rows]


@huey.task(retries=3, retry_delay=60)
def mail_reminder(organization_id: int, run: str) -> int:
    with app_context():
        return send_reminder(organization_id, datetime.fromisoformat(run))


def send_reminder(organization_id: int, run: datetime) -> int:
    """E-mail one customer's reminder of the run at ``run``, once, and only while it still has
    to sign; how many people were mailed."""
    org = db.session.scalar(select(Organization).where(Organization.id == organization_id)
                            .with_for_update().execution_options(populate_existing=True))
    if org is None or org.sign_reminded_at != run or _logged(org, run) or not \
            db.session.scalar(select(Organization.id).where(
                Organization.id == org.id, awaiting_signature(utcnow().date()))):
        db.session.rollback()  # a later run took over, this one was sent, or it was signed
        return 0
    todo = left_to_do(org)
    recipients = {u.email: u for u in (users.holding(org, Permission.SIGN)
                                       + users.holding(org, Permission.RECEIVE_NOTICES))}
    for person in recipients.values():
        mail.send("sign_reminder", person.email, _subject(org, person), locale=person.locale,
                  name=person.name, organization=org, todo=todo, sign_by=org.sign_by,
                  overdue=is_overdue(org, covered=False), may_sign=person.can(Permission.SIGN),
                  every=interval().days)
    audit.record(REMINDED, actor=cli_actor("system"), organization=org, obj=org,
                 details={"run": run.isoformat(), "sign_by": org.sign_by.isoformat(),
                          "recipients": len(recipients), "todo": todo})
    db.session.commit()
    return len(recipients)


def _logged(org: Organization, run: datetime) -> bool:
    """Whether this run's reminder is already in the audit log (sent by an earlier try)."""
    last = db.session.scalar(select(AuditEvent.details).where(
        AuditEvent.organization_id == org.id, AuditEvent.action == REMINDED)
        .order_by(AuditEvent.seq.desc()).limit(1).execution_options(unscoped=True))
    return last is not None and json.loads(last).get("run") == run.isoformat()


def left_to_do(org: Organization) -> str:
    """What the customer still has to do: make its choices, sign, or sign again."""
    if agreements.latest_revision(org) is None:
        return MAKE_CHOICES
    return SIGN_AGAIN if signed_copies.current_agreement(org) is not None else SIGN


def _subject(org: Organization, person: User) -> str:
    with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        when = format_date(org.sign_by, "long")
        if is_overdue(org, covered=False):
            return _("Reminder: please sign your data processing agreement with Voxio "
                     "(due %(date)s)", date=when)
        return _("Please sign your data processing agreement with Voxio by %(date)s",
                 date=when)
