"""Notices reach the right people, and staff see per recipient what became of each e-mail:
queued, accepted by the mail server or failed (and retried), seen, acknowledged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import CustomerRole, Delivery, DeliveryStatus, Notice, NoticeKind, utcnow
from portal.services import announcements, mail, notifications, subprocessors
from portal.services.context import Actor
from tests.factories import MEMBER

OWNER, PRIVACY, SIGNATORY = (CustomerRole.OWNER,), (CustomerRole.PRIVACY_CONTACT,), \
    (CustomerRole.SIGNATORY,)
BREACH_CONTACT = "fg@example.com"  # the art. 7.3 contact in tests.factories.valid_choices


@pytest.fixture
def customer_org(db, create_org, create_user, create_revision):
    org = create_org("Bericht B.V.")
    people = {name: create_user(org, roles, email=f"{name}@bericht.nl", name=name.title())
              for name, roles in (("owner", OWNER), ("privacy", PRIVACY),
                                  ("signatory", SIGNATORY), ("member", MEMBER))}
    create_revision(org, selected={"services": ("webhosting", "email"),
                                   "purposes": ("hosting",), "data_categories": ("name_address",),
                                   "data_subjects": ("customers",)})
    return org, people


def _announce():
    return announcements.announce(
        "add", reason="Nieuwe mailpartner", actor=Actor(label_override="test"),
        effective_on=utcnow().date() + timedelta(days=40),
        data=subprocessors.SubProcessorData("Postbode", "Postbode B.V.", "Mail", ("email",),
                                            ("NL",)))


def _handled(db, ann, count):
    return lambda: db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.ref_id == ann.id, Delivery.status != DeliveryStatus.QUEUED)) == count


def test_notices_reach_owners_privacy_contacts_and_the_breach_contact_without_an_account(
        db, customer_org, task_worker, mailbox):
    _org, _people = customer_org
    ann = _announce()
    task_worker(_handled(db, ann, 3))
    mail.drain()
    assert sorted(m["To"] for m in mailbox.messages) == [
        BREACH_CONTACT, "owner@bericht.nl", "privacy@bericht.nl"]
    rows = db.session.scalars(select(Delivery).where(Delivery.ref_id == ann.id)).all()
    assert {r.email: (r.status, r.user_id is None) for r in rows} == {
        "owner@bericht.nl": (DeliveryStatus.SENT, False),
        "privacy@bericht.nl": (DeliveryStatus.SENT, False),
        BREACH_CONTACT: (DeliveryStatus.SENT, True)}
    assert all(r.sent_at and r.attempts == 1 for r in rows)


def test_a_repeated_mail_task_mails_nobody_twice(db, customer_org, task_worker, mailbox):
    org, _people = customer_org
    ann = _announce()
    task_worker(_handled(db, ann, 3))
    assert notifications.send_notice_mails(ann.id, [org.id]) == 0
    mail.drain()
    assert len(mailbox.messages) == 3


def test_a_refused_address_is_recorded_and_staff_send_it_again(
        db, auth, customer_org, task_worker, mailbox, create_staff):
    _org, _people = customer_org
    mailbox.refused.add("privacy@bericht.nl")
    ann = _announce()
    task_worker(_handled(db, ann, 3))
    failed = db.session.scalar(select(Delivery).where(Delivery.status == DeliveryStatus.FAILED))
    assert failed.email == "privacy@bericht.nl" and "550" in failed.error
    auth.login_user(create_staff())
    page = auth.client.get(f"/staff/notices/announcement/{ann.id}").get_data(as_text=True)
    assert "3 van 3 e-mails verwerkt: 2 aangenomen door de mailserver, 1 mislukt" in page
    assert "550" in page  # the server's reason, next to the address
    mailbox.refused.clear()  # the customer fixed the mailbox
    response = auth.post(f"/staff/notices/announcement/{ann.id}/retry",
                         token_from=f"/staff/notices/announcement/{ann.id}")
    assert response.status_code == 302
    task_worker(lambda: db.session.scalar(select(Delivery.status).where(
        Delivery.id == failed.id)) == DeliveryStatus.SENT)
    mail.drain()
    assert [m["To"] for m in mailbox.messages].count("privacy@bericht.nl") == 1
    progress = auth.client.get(f"/staff/notices/announcement/{ann.id}/progress.json").json
    assert progress == {"total": 3, "queued": 0, "sent": 3, "failed": 0, "seen": 0,
                        "acknowledged": 0, "running": False}


def test_staff_see_who_saw_and_who_acknowledged_a_notice(db, auth, customer_org, task_worker,
                                                          create_staff):
    _org, people = customer_org
    ann = _announce()
    task_worker(_handled(db, ann, 3))
    auth.login_user(people["privacy"])
    page = auth.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "Ik heb dit bericht gelezen" in page
    auth.post(f"/agreement/subprocessors/{ann.id}/acknowledge",
              token_from="/agreement/subprocessors")
    page = auth.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "U bevestigde dit te hebben gelezen op" in page
    member = auth.another()
    member.login_user(people["member"])  # was not sent the notice: nothing to acknowledge
    assert "Ik heb dit bericht gelezen" not in member.client.get(
        "/agreement/subprocessors").get_data(as_text=True)
    row = db.session.scalar(select(Delivery).where(Delivery.email == "privacy@bericht.nl"))
    assert row.seen_at and row.acknowledged_at and row.kind == NoticeKind.ANNOUNCEMENT
    staff = auth.another()
    staff.login_user(create_staff())
    page = staff.client.get(f"/staff/notices/announcement/{ann.id}").get_data(as_text=True)
    assert "Gezien in het portaal: 1; bevestigd: 1." in page
    assert "contactpersoon voor datalekken, geen account" in page


def test_a_withdrawal_reaches_the_same_people(db, customer_org, task_worker, mailbox):
    _org, _people = customer_org
    ann = _announce()
    task_worker(_handled(db, ann, 3))
    announcements.withdraw(ann, "Toch niet nodig.", Actor(label_override="test"))
    task_worker(lambda: db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.kind == NoticeKind.WITHDRAWAL, Delivery.status == DeliveryStatus.SENT)) == 3)
    assert db.session.scalar(select(Notice.withdrawal_mailed_at)) is not None


def test_each_recipient_reads_the_notice_subject_in_their_own_language(
        db, customer_org, task_worker, mailbox):
    _org, people = customer_org
    people["privacy"].locale = "en"
    db.session.commit()
    ann = _announce()
    task_worker(_handled(db, ann, 3))
    mail.drain()
    subjects = {m["To"]: str(m["Subject"]).strip() for m in mailbox.messages}
    assert subjects["privacy@bericht.nl"].startswith("Voxio announces a change of sub-processors")
    assert subjects["owner@bericht.nl"].startswith("Voxio kondigt")
