"""Reminders to sign by the date Voxio set: who gets them, how often, and when they stop;
through the real task queue, and idempotent when a run or a task repeats."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask_babel import force_locale, format_date
from sqlalchemy import select

from portal import tasks
from portal.extensions import db as database
from portal.models import AuditEvent, CustomerRole, Organization, utcnow
from portal.services import preparation, sign_reminders, signing
from portal.services.context import Actor
from tests.factories import MEMBER

ACTOR = Actor(label_override="test")


@pytest.fixture
def bakery(db, create_org, create_user):
    """A customer asked to sign within two weeks: an owner, a signatory, a privacy contact
    (reading English), a member and a signatory who left; no choices yet."""
    org = create_org("Bakkerij Jansen B.V.")
    people = dict(
        owner=create_user(org, (CustomerRole.OWNER,), email="eigenaar@bakkerij.nl"),
        signatory=create_user(org, (CustomerRole.SIGNATORY,), email="directeur@bakkerij.nl"),
        privacy=create_user(org, (CustomerRole.PRIVACY_CONTACT,), email="fg@bakkerij.nl",
                            locale="en"),
        member=create_user(org, MEMBER, email="medewerker@bakkerij.nl"),
        former=create_user(org, (CustomerRole.SIGNATORY,), email="oud@bakkerij.nl",
                           active=False),
    )
    org.sign_by = utcnow().date() + timedelta(days=14)
    db.session.commit()
    return org, people


def _reminders(org) -> list[dict]:
    rows = select(AuditEvent.details).where(
        AuditEvent.organization_id == org.id, AuditEvent.action == sign_reminders.REMINDED)
    return [json.loads(row) for row in database.session.scalars(rows.order_by(AuditEvent.seq))]


def test_signatories_and_notice_receivers_are_reminded_through_the_queue(
        db, bakery, runner, task_worker, mailbox):
    org, people = bakery
    assert runner.invoke(args=["agreements", "remind"]).output.startswith("reminded 1 ")
    task_worker(lambda: _reminders(org))
    for role in ("owner", "signatory", "privacy"):
        assert len(mailbox.to(people[role].email)) == 1, role
    assert not mailbox.to(people["member"].email) and not mailbox.to(people["former"].email)
    dutch = mailbox.last(people["signatory"].email)
    with force_locale("nl"):
        due = format_date(org.sign_by, "long")
    assert dutch["Subject"].strip() == \
        f"Onderteken uw verwerkersovereenkomst met Voxio uiterlijk {due}"
    text = mailbox.text(dutch)
    assert "Voxio vraagt Bakkerij Jansen B.V." in text and due in text
    assert "Nog te doen: maak uw keuzes" in text and "http://portal.test/" in text
    assert "Alleen een ondertekenaar" not in text  # the signatory signs
    assert "Alleen een ondertekenaar" in mailbox.text(mailbox.last(people["owner"].email))
    english = mailbox.last(people["privacy"].email)
    assert english["Subject"].strip().startswith("Please sign your data processing agreement")
    assert "every 7 days until the agreement is signed" in mailbox.text(english)
    assert _reminders(org)[0]["recipients"] == 3
    assert db.session.get(Organization, org.id).sign_reminded_at is not None


def test_a_second_reminder_run_in_the_same_week_sends_nothing(db, bakery):
    org, _people = bakery
    now = utcnow()
    assert sign_reminders.remind_due(now) == [org.customer_number]
    assert tasks.huey.pending_count() == 1
    assert sign_reminders.remind_due(now + timedelta(days=6, hours=23)) == []
    assert tasks.huey.pending_count() == 1  # nothing queued again
    assert sign_reminders.remind_due(now + timedelta(days=7)) == [org.customer_number]
    assert tasks.huey.pending_count() == 2


def test_a_retried_or_repeated_reminder_task_mails_once(db, bakery, mailbox):
    org, people = bakery
    now = utcnow()
    sign_reminders.remind_due(now)
    assert sign_reminders.send_reminder(org.id, now) == 3
    assert sign_reminders.send_reminder(org.id, now) == 0  # the same task once more
    assert sign_reminders.send_reminder(org.id, now - timedelta(days=7)) == 0  # an older run
    assert len(mailbox.to(people["signatory"].email)) == 1
    assert len(_reminders(org)) == 1


def test_a_run_that_failed_to_commit_sends_nothing(db, bakery, mailbox, monkeypatch):
    org, people = bakery
    now = utcnow()

    def queue_down(*_args):
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr(sign_reminders, "mail_reminder", queue_down)
    with pytest.raises(ConnectionError):
        sign_reminders.remind_due(now)
    assert db.session.get(Organization, org.id).sign_reminded_at is None  # tried again tomorrow
    assert sign_reminders.send_reminder(org.id, now) == 0
    assert not mailbox.to(people["signatory"].email)


def test_reminders_stop_once_the_agreement_is_signed(db, bakery, create_revision):
    org, people = bakery
    create_revision(org, people["owner"])
    now = utcnow()
    assert sign_reminders.remind_due(now) == [org.customer_number]  # queued, not yet sent
    prepared = preparation.prepare(org, people["signatory"], ACTOR)
    signing.sign(prepared, signing.Confirmation(prepared.signatory_name,
                                                prepared.signatory_function, True),
                 people["signatory"], None, ACTOR)
    assert sign_reminders.send_reminder(org.id, now) == 0  # the queued one stays silent
    assert sign_reminders.remind_due(now + timedelta(days=30)) == []
    assert _reminders(org) == []
    # new choices need a new signature: the reminders start again
    create_revision(org, people["owner"], large_scale=True)
    assert sign_reminders.remind_due(now + timedelta(days=30)) == [org.customer_number]
    assert sign_reminders.send_reminder(org.id, now + timedelta(days=30)) == 3
    assert _reminders(org)[-1]["todo"] == sign_reminders.SIGN_AGAIN


def test_a_customer_past_its_date_is_told_so(db, bakery, create_revision, mailbox):
    org, people = bakery
    create_revision(org, people["owner"])
    org.sign_by = utcnow().date() - timedelta(days=1)  # set earlier; the date has passed
    db.session.commit()
    now = utcnow()
    sign_reminders.remind_due(now)
    sign_reminders.send_reminder(org.id, now)
    message = mailbox.last(people["signatory"].email)
    assert message["Subject"].strip().startswith("Herinnering: onderteken uw")
    text = mailbox.text(message)
    assert "Die datum is verstreken" in text
    assert "Nog te doen: lees de overeenkomst die op uw keuzes is afgestemd" in text


def test_customers_without_a_date_are_never_reminded(db, bakery, create_org, create_user):
    org, _people = bakery
    other = create_org("Zonder Datum B.V.")
    create_user(other, (CustomerRole.SIGNATORY,))
    db.session.commit()
    assert sign_reminders.remind_due() == [org.customer_number]
    org.sign_by = None  # staff removed the date before the task ran
    db.session.commit()
    assert sign_reminders.send_reminder(org.id, org.sign_reminded_at) == 0
