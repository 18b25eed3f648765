"""The sub-processor register: notice periods, scoping, countries, effective dates, objections,
notifications through the real task queue, and the Atom feed."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import func, select

from portal.models import (
    Announcement,
    AuditEvent,
    Notice,
    RegisterMailing,
    Role,
    SubProcessor,
    utcnow,
)
from portal.services import (
    ServiceError,
    announcements,
    mail,
    notifications,
    objections,
    subprocessors,
    subscriptions,
)
from portal.services.context import Actor
from tests.factories import ALL_ROLES, make_org, make_revision, make_staff, make_user, valid_choices

ACTOR = Actor(label_override="test")
DATA = subprocessors.SubProcessorData(
    name="Postbode Mail B.V.", legal_entity="Postbode Mail B.V., Utrecht",
    activity="Verzenden van e-mail", services=("email",), countries=("NL", "DE"))


def today():
    return utcnow().date()


def add(ctx_data=DATA, days: int = 30, **kwargs):
    return announcements.announce("add", reason="Betere aflevering", actor=ACTOR,
                                  effective_on=today() + timedelta(days=days), data=ctx_data,
                                  **kwargs)


def test_the_notice_period_is_enforced_and_nothing_is_backdated(db):
    for days in (-1, 0, 29, 731, 365 * 75):
        with pytest.raises(ServiceError) as error:
            add(days=days)
        assert "effective_on" in dict(error.value.problems)
    ann = add(days=30)
    assert ann.effective_on == today() + timedelta(days=30)
    assert db.session.scalar(select(func.count()).select_from(SubProcessor)) == 1


def test_the_same_change_cannot_be_pending_twice(db, monkeypatch):
    sp = add().subprocessor
    announcements.apply_due(ACTOR, today=today() + timedelta(days=30))

    def remove(days=40):
        return announcements.announce("remove", reason="Niet meer nodig", actor=ACTOR,
                                      subprocessor=sp, effective_on=today() + timedelta(days=days))

    first = remove()
    with pytest.raises(ServiceError) as error:  # e.g. the form sent again from the history
        remove(days=50)
    message = dict(error.value.problems)["subprocessor"]
    assert "Postbode Mail B.V." in message and "trek die aankondiging dan eerst in" in message
    # a different kind of change to the same party may be announced beside it
    announcements.announce("countries", reason="Extra locatie", actor=ACTOR, subprocessor=sp,
                           effective_on=today() + timedelta(days=40), new_countries=("NL",))
    # two requests at once both pass the check; the database refuses the second
    monkeypatch.setattr(announcements, "_pending", lambda kind, sub: None)
    with pytest.raises(ServiceError):
        remove()
    monkeypatch.undo()
    db.session.rollback()
    pending = db.session.scalars(select(Announcement).where(
        Announcement.kind == "remove", Announcement.withdrawn_at.is_(None))).all()
    assert [a.id for a in pending] == [first.id]
    announcements.withdraw(first, "Toch nog nodig", ACTOR)
    assert remove().id != first.id  # after a withdrawal the change may be announced again


def test_outside_the_eea_needs_a_transfer_basis_and_codes_are_checked(db):
    us = subprocessors.SubProcessorData("Cloud Inc.", "Cloud Inc., Seattle", "Opslag",
                                        ("webhosting",), ("US",))
    with pytest.raises(ServiceError) as error:
        add(us)
    assert "transfer_basis" in dict(error.value.problems)
    bad = subprocessors.SubProcessorData("X", "X", "Y", ("webhosting",), ("Nederland",))
    with pytest.raises(ServiceError) as error:
        add(bad)
    assert "Nederland is geen geldige landcode" in dict(error.value.problems)["countries"]
    two = subprocessors.SubProcessorData("X", "X", "Y", ("webhosting",), ("XX", "NEDERLAND"))
    with pytest.raises(ServiceError) as error:
        add(two)
    assert "XX, NEDERLAND zijn geen geldige landcodes" in dict(error.value.problems)["countries"]
    ann = add(subprocessors.SubProcessorData("Cloud Inc.", "Cloud Inc., Seattle", "Opslag",
                                             ("webhosting",), ("US",), "scc"))
    assert ann.subprocessor.outside_eea and ann.subprocessor.transfer_basis == "scc"
    assert subprocessors.parse_countries("nl, de  us;NL") == ("NL", "DE", "US")


def test_customers_see_what_serves_their_services_and_the_countries(db):
    mail_org, web_org = make_org("Mail B.V."), make_org("Web B.V.")
    make_revision(mail_org, selected={**valid_choices().selected, "services": ("email",)})
    make_revision(web_org, selected={**valid_choices().selected, "services": ("webhosting",)})
    subprocessors.create_active(DATA, today(), ACTOR)
    subprocessors.create_active(subprocessors.SubProcessorData(
        "Rekencentrum", "Rekencentrum B.V.", "Servers", ("webhosting",), ("NL", "US"),
        "adequacy"), today(), ACTOR)
    assert [sp.name for sp in subprocessors.for_organization(mail_org)] == ["Postbode Mail B.V."]
    assert [sp.name for sp in subprocessors.for_organization(web_org)] == ["Rekencentrum"]
    assert subprocessors.countries(subprocessors.for_organization(web_org)) == [
        ("NL", True), ("US", False)]
    assert subprocessors.countries(subprocessors.for_organization(mail_org)) == [
        ("DE", True), ("NL", True)]


def test_changes_take_effect_on_their_date_once(db):
    ann = add(days=30)
    assert announcements.apply_due(ACTOR) == []
    later = today() + timedelta(days=30)
    assert announcements.apply_due(ACTOR, today=later) == [ann.id]
    assert announcements.apply_due(ACTOR, today=later) == []
    sp = db.session.get(SubProcessor, ann.subprocessor_id)
    assert sp.status == "active" and sp.active_since == later
    remove = announcements.announce("remove", reason="Niet meer nodig", actor=ACTOR,
                                    subprocessor=sp, effective_on=later + timedelta(days=30),
                                    today=later)
    announcements.apply_due(ACTOR, today=later + timedelta(days=30))
    assert db.session.get(SubProcessor, remove.subprocessor_id).status == "ended"
    assert subprocessors.register() == []


def _affected_org(name="Mail B.V."):
    org = make_org(name)
    owner = make_user(org, ALL_ROLES)
    make_revision(org, selected={**valid_choices().selected, "services": ("email",)})
    return org, owner


def test_objections_before_the_deadline_one_open_at_a_time(db):
    org, owner = _affected_org()
    make_staff(Role.STAFF_ADMIN)
    ann = add(days=30)
    notifications.create_notices(ann.id)
    actor = Actor(user=owner)
    with pytest.raises(ServiceError):
        objections.submit(org, ann, "te kort", actor)  # under 10 characters
    first = objections.submit(org, ann, "Wij willen geen Duitse opslag.", actor)
    with pytest.raises(ServiceError):
        objections.submit(org, ann, "Nog een bezwaar op dezelfde wijziging.", actor)
    staff = Actor(label_override="staff")
    with pytest.raises(ServiceError):
        objections.set_status(first, "resolved", staff, resolution="not_used")  # needs a note
    objections.set_status(first, "in_review", staff)
    objections.set_status(first, "resolved", staff, resolution="not_used",
                          note="Wij gebruiken deze partij niet voor u.")
    assert [e.status for e in first.events] == ["submitted", "in_review", "resolved"]
    with pytest.raises(ServiceError):
        objections.set_status(first, "in_review", staff)  # resolved is final
    with pytest.raises(ServiceError):  # settled: not offered again
        objections.submit(org, ann, "Toch nog een nieuw bezwaar, graag.", actor)
    other_org, other_owner = _affected_org("Tweede B.V.")
    notifications.create_notices(ann.id)
    withdrawn = objections.submit(other_org, ann, "Eerste bezwaar, later ingetrokken.",
                                  Actor(user=other_owner))
    objections.set_status(withdrawn, "resolved", staff, resolution="withdrawn",
                          note="Op verzoek ingetrokken.")
    again = objections.submit(other_org, ann, "Toch weer bezwaar na intrekken.",
                              Actor(user=other_owner))
    assert again.status == "submitted"
    ann.effective_on = today()
    db.session.commit()
    with pytest.raises(ServiceError) as error:
        objections.submit(make_org("Laat B.V."), ann, "Te laat ingediend bezwaar.", actor)
    assert error.value.message


def test_unaffected_customers_cannot_object(db):
    org = make_org("Web B.V.")
    make_revision(org, selected={**valid_choices().selected, "services": ("webhosting",)})
    ann = add(days=30)
    notifications.create_notices(ann.id)
    with pytest.raises(ServiceError):
        objections.submit(org, ann, "Wij maken toch bezwaar hiertegen.", ACTOR)


@pytest.mark.parametrize("app", ["database", "redis"], indirect=True)
def test_notices_reach_every_affected_organization_through_the_queue(app, db, task_worker,
                                                                      mailbox):
    orgs = [_affected_org(f"Klant {i} B.V.") for i in range(60)]
    other = make_org("Web B.V.")
    make_revision(other, selected={**valid_choices().selected, "services": ("webhosting",)})
    ann = add(days=30)

    def notices() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.mailed_at.is_not(None)))

    task_worker(lambda: notices() == 60)
    mail.drain()
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 60
    owners = {owner.email for _org, owner in orgs}
    assert owners <= {m["To"] for m in mailbox.messages}
    sent = len(mailbox.messages)
    # Running the fan-out again adds nothing and mails nobody twice.
    notifications.fan_out(ann.id)
    task_worker()
    mail.drain()
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 60
    assert len(mailbox.messages) == sent


def test_the_notice_email_says_what_changes_and_on_what_basis(db, task_worker, mailbox):
    _org, owner = _affected_org("Klant B.V.")
    address = owner.email
    sp = subprocessors.create_active(
        subprocessors.SubProcessorData("Kluis", "Kluis B.V.", "Back-ups van e-mail",
                                       ("email",), ("NL",)), today(), ACTOR)
    announcements.announce("countries", reason="Extra locatie", actor=ACTOR,
                           subprocessor=sp, effective_on=today() + timedelta(days=40),
                           new_countries=("NL", "US"), new_transfer_basis="scc")
    add(subprocessors.SubProcessorData("Cloud Inc.", "Cloud Inc., Seattle", "Opslag",
                                       ("email",), ("US",), "adequacy"))
    task_worker(lambda: db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.mailed_at.is_not(None))) == 2)
    mail.drain()
    texts = [mailbox.text(m) for m in mailbox.messages if m["To"] == address]
    countries = next(t for t in texts if "Kluis" in t)
    assert "Nieuwe landen: NL, US." in countries
    assert "Buiten de EU/EER; doorgiftegrondslag: modelcontractbepalingen." in countries
    added = next(t for t in texts if "Cloud Inc." in t)
    assert "Wat Cloud Inc. doet: Opslag. Landen: US." in added
    assert "adequaatheidsbesluit" in added


def test_the_atom_feed_parses_and_marks_additions_and_removals(db, client):
    ann = add(days=30)
    later = today() + timedelta(days=30)
    announcements.apply_due(ACTOR, today=later)
    announcements.announce("remove", reason="Vervangen door eigen dienst", actor=ACTOR,
                           subprocessor=ann.subprocessor,
                           effective_on=later + timedelta(days=31), today=later)
    response = client.get("/subprocessors/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title and feed.feed.id and feed.feed.updated and feed.feed.author
    terms = [entry.tags[0].term for entry in feed.entries]
    assert sorted(terms) == ["add", "remove"]
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated and entry.link
    assert any("Postbode Mail" in e.title for e in feed.entries)


def test_replacing_and_moving_countries_take_effect_together(db):
    old = subprocessors.create_active(DATA, today(), ACTOR)
    newer = subprocessors.SubProcessorData("Snelpost", "Snelpost B.V.", "Verzenden van e-mail",
                                           ("email",), ("NL",))
    replace = announcements.announce("replace", reason="Goedkoper", actor=ACTOR,
                                     subprocessor=old, data=newer,
                                     effective_on=today() + timedelta(days=30))
    other = subprocessors.create_active(subprocessors.SubProcessorData(
        "Kluis", "Kluis B.V.", "Back-up", ("offsite_backup",), ("NL",)), today(), ACTOR)
    with pytest.raises(ServiceError):  # outside the EEA without a basis
        announcements.announce("countries", reason="Uitbreiding", actor=ACTOR,
                               subprocessor=other, new_countries=("NL", "CH"),
                               effective_on=today() + timedelta(days=30))
    move = announcements.announce("countries", reason="Uitbreiding", actor=ACTOR,
                                  subprocessor=other, new_countries=("NL", "CH"),
                                  new_transfer_basis="adequacy",
                                  effective_on=today() + timedelta(days=45))
    assert replace.affected_services() == {"email"}
    announcements.apply_due(ACTOR, today=today() + timedelta(days=45))
    names = {sp.name: sp for sp in subprocessors.register()}
    assert "Postbode Mail B.V." not in names and names["Snelpost"].status == "active"
    assert names["Kluis"].countries == ["NL", "CH"] and names["Kluis"].outside_eea
    assert names["Kluis"].transfer_basis == "adequacy"
    assert move.applied_at is not None


def test_unknown_countries_and_duplicate_names_are_refused(db):
    subprocessors.create_active(DATA, today(), ACTOR)
    for data, field in (
            (subprocessors.SubProcessorData("Nieuw", "Nieuw B.V.", "Opslag", ("email",),
                                            ("XX",)), "countries"),
            (subprocessors.SubProcessorData("postbode mail b.v.", "Kopie B.V.", "Opslag",
                                            ("email",), ("NL",)), "name")):
        with pytest.raises(ServiceError) as error:
            add(data)
        assert field in dict(error.value.problems)


def test_a_withdrawn_announcement_never_takes_effect_and_customers_are_told(db, task_worker,
                                                                            mailbox):
    org, owner = _affected_org()
    owner_email = owner.email
    ann = add(days=30)
    notifications.create_notices(ann.id)
    objection = objections.submit(org, ann, "Liever niet, dank u wel.", Actor(user=owner))
    with pytest.raises(ServiceError):
        announcements.withdraw(ann, "", ACTOR)
    announcements.withdraw(ann, "De leverancier voldoet niet aan onze eisen.", ACTOR)
    assert objection.status == "resolved" and objection.resolution == "not_used"
    # the objection moved like any other: an event in its history, an entry in the audit log
    assert [e.status for e in objection.events] == ["submitted", "resolved"]
    assert "De leverancier voldoet niet" in objection.events[-1].note
    logged = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "objection.status_changed")).all()
    assert len(logged) == 1 and '"resolution":"not_used"' in logged[0]
    assert objections.deadline_passed(ann)
    assert announcements.apply_due(ACTOR, today=today() + timedelta(days=60)) == []
    assert db.session.get(SubProcessor, ann.subprocessor_id).status == "ended"
    with pytest.raises(ServiceError):
        announcements.withdraw(ann, "Nogmaals", ACTOR)

    def told() -> bool:
        db.session.rollback()  # never keep SQLite's write lock while the worker writes
        count = db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.withdrawal_mailed_at.is_not(None)))
        db.session.rollback()
        return count == 1

    db.session.rollback()
    task_worker(told)
    mail.drain()
    subjects = [m["Subject"] for m in mailbox.to(owner_email)]
    assert any("trekt" in s or "withdraw" in s for s in subjects), subjects


# --- English texts beside the Dutch (issue 14, point 5) ----------------------------------

def test_an_english_subscriber_gets_the_english_reason(db, mailbox, task_worker):
    visitor = Actor(ip="192.0.2.7")
    for email, locale in (("lezer@example.nl", "nl"), ("reader@example.com", "en")):
        subscriptions.subscribe(email, locale, visitor)
        token = mailbox.link(email, "/subprocessors/confirm/").rsplit("/", 1)[1]
        subscriptions.confirm(token, visitor)
    english_data = subprocessors.SubProcessorData(
        **{**DATA.__dict__, "activity_en": "Sending e-mail"})
    ann = add(english_data, reason_en="Better delivery")
    task_worker(lambda: db.session.scalar(select(func.count()).select_from(RegisterMailing))
                == 2)
    mail.drain()
    english = mailbox.text(mailbox.last("reader@example.com"))
    assert "Reason: Better delivery" in english
    assert "What Postbode Mail B.V. does: Sending e-mail." in english
    dutch = mailbox.text(mailbox.last("lezer@example.nl"))
    assert "Reden: Betere aflevering" in dutch and "Verzenden van e-mail" in dutch
    announcements.withdraw(ann, "Toch niet nodig", ACTOR, reason_en="Not needed after all")
    task_worker(lambda: db.session.scalar(select(func.count()).select_from(RegisterMailing))
                == 4)
    mail.drain()
    assert "Reason: Not needed after all" in mailbox.text(mailbox.last("reader@example.com"))
    assert "Reden: Toch niet nodig" in mailbox.text(mailbox.last("lezer@example.nl"))


def test_english_customers_read_the_english_texts_and_fall_back_to_the_dutch(db, mailbox):
    org, owner = _affected_org("Klant B.V.")
    reader = make_user(org, ALL_ROLES, email="reader@klant.nl", locale="en")
    dutch_address, english_address = owner.email, reader.email
    english_data = subprocessors.SubProcessorData(
        **{**DATA.__dict__, "activity_en": "Sending e-mail"})
    ann = add(english_data, reason_en="Better delivery")
    notifications.create_notices(ann.id)  # what the queued tasks do
    notifications.send_notice_mails(ann.id, [org.id])
    english = mailbox.text(mailbox.last(english_address))
    assert "What Postbode Mail B.V. does: Sending e-mail." in english
    assert "Reason: Better delivery" in english
    dutch = mailbox.text(mailbox.last(dutch_address))
    assert "Wat Postbode Mail B.V. doet: Verzenden van e-mail." in dutch
    assert "Reden: Betere aflevering" in dutch
    # without English, English readers read the Dutch
    announcements.withdraw(ann, "Toch niet nodig", ACTOR)
    notifications.send_withdrawal_mails(ann.id, [org.id])
    assert "Reason: Toch niet nodig" in mailbox.text(mailbox.last(english_address))


def test_the_english_texts_are_optional_and_checked_like_the_dutch(db):
    plain = add()
    assert (plain.reason_en, plain.subprocessor.activity_en) == ("", "")
    with pytest.raises(ServiceError) as refused:
        add(subprocessors.SubProcessorData(**{**DATA.__dict__, "name": "Ander",
                                              "activity_en": "x" * 501}),
            reason_en="y" * (announcements.REASON_MAX + 1))
    assert {field for field, _message in refused.value.problems} == {"activity_en",
                                                                      "reason_en"}
