"""Following the public register by e-mail: double opt-in, expiry, what is stored, and the
announcements that reach subscribers through the real task queue."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import Text, func, select, type_coerce

from portal.models import (
    AuditEvent,
    OutboxMessage,
    RegisterMailing,
    RegisterSubscription,
    utcnow,
)
from portal.services import ServiceError, announcements, mail, subprocessors, subscriptions
from portal.services.context import Actor

ACTOR = Actor(label_override="test")
VISITOR = Actor(ip="192.0.2.7")  # someone on the public page, not signed in
DATA = subprocessors.SubProcessorData(
    name="Postbode Mail B.V.", legal_entity="Postbode Mail B.V., Utrecht",
    activity="Verzenden van e-mail", services=("email",), countries=("NL", "US"),
    transfer_basis="scc")


def confirmed(mailbox, email: str, locale: str = "nl") -> str:
    """Subscribe ``email`` and confirm it with the token from the e-mail; the token."""
    subscriptions.subscribe(email, locale, VISITOR)
    token = mailbox.link(email, "/subprocessors/confirm/").rsplit("/", 1)[1]
    subscriptions.confirm(token, VISITOR)
    return token


def announce(days: int = 40):
    return announcements.announce("add", reason="Betere aflevering van e-mail", actor=ACTOR,
                                  effective_on=utcnow().date() + timedelta(days=days), data=DATA)


def mailings(db) -> int:
    return db.session.scalar(select(func.count()).select_from(RegisterMailing))


def test_a_subscription_counts_once_confirmed_and_its_link_works_once(db, mailbox):
    subscriptions.subscribe("  Lezer@Example.NL ", "en", VISITOR)
    sub = db.session.scalars(select(RegisterSubscription)).one()
    assert sub.email == "lezer@example.nl" and sub.locale == "en"
    assert not sub.active and subscriptions.subscriber_count() == 0
    message = mailbox.last("lezer@example.nl")
    assert message["Subject"] == "Confirm your subscription to changes to Voxio's sub-processors"
    assert message["List-Unsubscribe"] is None  # not a subscriber (yet)
    token = mailbox.link("lezer@example.nl", "/subprocessors/confirm/").rsplit("/", 1)[1]
    assert subscriptions.find_pending(token) is not None
    subscriptions.confirm(token, VISITOR)
    assert sub.active and subscriptions.subscriber_count() == 1
    with pytest.raises(ServiceError, match="niet meer geldig"):  # the link works once
        subscriptions.confirm(token, VISITOR)


def test_the_database_holds_only_hashes_of_the_link_tokens(db, mailbox):
    token = confirmed(mailbox, "lezer@example.nl")
    sub = db.session.scalars(select(RegisterSubscription)).one()
    unsubscribe = subscriptions.unsubscribe_url(sub).rsplit("/", 1)[1]
    stored = " ".join(str(v) for v in db.session.execute(
        select(RegisterSubscription.__table__)).one())
    assert token not in stored and unsubscribe not in stored
    assert sub.unsubscribe_hash == hashlib.sha256(unsubscribe.encode()).hexdigest()
    assert sub.confirmation_hash is None  # used: nothing left to find it by


def test_an_unconfirmed_request_expires_after_seven_days_and_is_then_removed(db, mailbox):
    subscriptions.subscribe("lezer@example.nl", "nl", VISITOR)
    token = mailbox.link("lezer@example.nl", "/subprocessors/confirm/").rsplit("/", 1)[1]
    later = utcnow() + timedelta(days=subscriptions.CONFIRM_DAYS, minutes=1)
    assert subscriptions.find_pending(token, later) is None
    with pytest.raises(ServiceError):
        subscriptions.confirm(token, VISITOR, now=later)
    assert subscriptions.remove_stale(later) == 1
    assert db.session.scalar(select(func.count()).select_from(RegisterSubscription)) == 0
    removed = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "subscription.removed")).one()
    assert json.loads(removed.details) == {"count": 1}


def test_asking_twice_within_minutes_sends_one_email(db, mailbox):
    now = utcnow()
    subscriptions.subscribe("lezer@example.nl", "nl", VISITOR, now=now)
    subscriptions.subscribe("lezer@example.nl", "nl", VISITOR, now=now + timedelta(minutes=1))
    assert len(mailbox.to("lezer@example.nl")) == 1
    subscriptions.subscribe("lezer@example.nl", "nl", VISITOR,
                            now=now + subscriptions.RESEND_AFTER + timedelta(seconds=1))
    assert len(mailbox.to("lezer@example.nl")) == 2  # a new link; the first stops working


def test_subscribing_again_after_unsubscribing_needs_a_new_confirmation(db, mailbox):
    confirmed(mailbox, "lezer@example.nl")
    sub = db.session.scalars(select(RegisterSubscription)).one()
    old_link = subscriptions.unsubscribe_url(sub).rsplit("/", 1)[1]
    subscriptions.unsubscribe(old_link, VISITOR)
    assert subscriptions.subscriber_count() == 0
    subscriptions.subscribe("lezer@example.nl", "nl", VISITOR,
                            now=utcnow() + subscriptions.RESEND_AFTER)
    assert not sub.active and subscriptions.for_unsubscribe_token(old_link) is None
    token = mailbox.link("lezer@example.nl", "/subprocessors/confirm/").rsplit("/", 1)[1]
    subscriptions.confirm(token, VISITOR)
    assert subscriptions.subscriber_count() == 1


def test_subscribe_confirm_and_unsubscribe_are_in_the_audit_log_without_the_address(
        db, mailbox):
    confirmed(mailbox, "lezer@example.nl")
    sub = db.session.scalars(select(RegisterSubscription)).one()
    subscriptions.unsubscribe(subscriptions.unsubscribe_url(sub).rsplit("/", 1)[1], VISITOR,
                              one_click=True)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "RegisterSubscription").order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == [
        "subscription.requested", "subscription.confirmed", "subscription.ended"]
    assert {e.object_id for e in events} == {str(sub.id)}
    assert events[0].ip == "192.0.2.7"
    assert json.loads(events[2].details) == {"via": "one-click"}
    assert not any("lezer@example.nl" in (e.details or "") for e in events)


def test_subscribers_receive_an_announcement_with_one_click_unsubscribe_headers(
        db, mailbox, task_worker):
    confirmed(mailbox, "lezer@example.nl", "nl")
    confirmed(mailbox, "reader@example.com", "en")
    subscriptions.subscribe("nooit-bevestigd@example.nl", "nl", VISITOR)
    ann = announce()
    task_worker(lambda: mailings(db) == 2)
    mail.drain()
    english = mailbox.last("reader@example.com")
    assert english["Subject"].strip().startswith(
        "Voxio announces a change of sub-processors (effective")
    sub = db.session.scalar(select(RegisterSubscription).where(
        RegisterSubscription.email == "reader@example.com"))
    url = subscriptions.unsubscribe_url(sub)
    assert url.startswith("http://portal.test/subprocessors/unsubscribe/")
    assert english["List-Unsubscribe"] == f"<{url}>"
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mailbox.text(english)
    assert "Postbode Mail B.V." in text and "standard contractual clauses" in text
    assert f"http://portal.test/subprocessors#wijziging-{ann.id}" in text
    assert url in text and url in mailbox.html(english)
    dutch = mailbox.last("lezer@example.nl")
    assert dutch["Subject"].strip().startswith("Voxio kondigt een wijziging van subverwerkers aan")
    assert "Afmelden:" in mailbox.text(dutch) and dutch["List-Unsubscribe"]
    # the one who never confirmed got the confirmation request only
    assert len(mailbox.to("nooit-bevestigd@example.nl")) == 1


def test_a_repeated_fan_out_mails_each_subscriber_once(db, mailbox, task_worker):
    confirmed(mailbox, "lezer@example.nl")
    ann = announce()
    task_worker(lambda: mailings(db) == 1)
    assert subscriptions.queue_mails(ann.id, subscriptions.RegisterEvent.ANNOUNCED) == 0
    sub_id = db.session.scalar(select(RegisterSubscription.id))
    assert subscriptions.send_mails(ann.id, subscriptions.RegisterEvent.ANNOUNCED,
                                    [sub_id]) == 0
    mail.drain()
    assert len([m for m in mailbox.to("lezer@example.nl")
                if "Postbode" in mailbox.text(m)]) == 1


def test_a_withdrawal_reaches_the_subscribers_who_were_told_and_no_one_else(
        db, mailbox, task_worker):
    confirmed(mailbox, "lezer@example.nl")
    confirmed(mailbox, "weg@example.nl")
    ann = announce()
    task_worker(lambda: mailings(db) == 2)
    confirmed(mailbox, "nieuw@example.nl")  # subscribed after the announcement
    gone = db.session.scalar(select(RegisterSubscription).where(
        RegisterSubscription.email == "weg@example.nl"))
    subscriptions.unsubscribe(subscriptions.unsubscribe_url(gone).rsplit("/", 1)[1], VISITOR)
    announcements.withdraw(ann, "Toch niet nodig", ACTOR)
    task_worker(lambda: mailings(db) == 3)
    mail.drain()
    last = mailbox.last("lezer@example.nl")
    assert "Toch niet nodig" in mailbox.text(last) and last["List-Unsubscribe"]
    assert "Postbode" in mailbox.text(mailbox.last("weg@example.nl"))  # told, then left
    assert not any("Toch niet nodig" in mailbox.text(m)
                   for address in ("nieuw@example.nl", "weg@example.nl")
                   for m in mailbox.to(address))


def test_without_a_mail_server_the_outbox_keeps_the_unsubscribe_headers(app, db, mailbox):
    app.config["MAIL_SERVER"] = None
    subscriptions.subscribe("lezer@example.nl", "nl", VISITOR)
    body = db.session.scalars(select(OutboxMessage)).one().text_body
    token = body.split("/subprocessors/confirm/", 1)[1].split()[0]
    subscriptions.confirm(token, VISITOR)
    ann = announce()
    sub_id = db.session.scalar(select(RegisterSubscription.id))
    subscriptions.send_mails(ann.id, subscriptions.RegisterEvent.ANNOUNCED, [sub_id])
    row = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    headers = dict(json.loads(row.headers))
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http://portal.test/subprocessors/unsubscribe/")
    raw = db.session.scalar(select(type_coerce(OutboxMessage.headers, Text))
                            .where(OutboxMessage.id == row.id))
    assert raw.startswith("enc:")  # sealed at rest, like the bodies
