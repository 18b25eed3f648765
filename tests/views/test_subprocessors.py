"""Sub-processors through the pages: public list, the customer's view and objection, staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import Announcement, Notice, Objection, Organization, Role, SubProcessor, utcnow
from portal.services import agreements, announcements, mail, subprocessors
from portal.services.context import Actor
from tests.factories import ALL_ROLES, valid_choices
from tests.helpers import AuthActions


@pytest.fixture
def people(create_org, create_user, create_staff, create_revision):
    """The owner of Mail B.V. (e-mail only) and a staff administrator; one sub-processor is
    active (for web hosting)."""
    org = create_org("Mail B.V.")
    owner = create_user(org, ALL_ROLES, email="owner@mail.nl")
    create_revision(org, selected={**valid_choices().selected, "services": ("email",)})
    admin = create_staff(Role.STAFF_ADMIN, email="admin@voxio.nl")
    subprocessors.create_active(subprocessors.SubProcessorData(
        "Rekencentrum Noord", "Rekencentrum Noord B.V.", "Servers", ("webhosting",),
        ("NL",)), utcnow().date(), Actor(label_override="test"))
    return owner, admin


def test_public_register_and_exports(db, client, people):
    page = client.get("/subprocessors").get_data(as_text=True)
    assert "Rekencentrum Noord" in page and "feed.atom" in page
    client.set_cookie("lang", "en")  # the contract's service names, with an English gloss
    english = client.get("/subprocessors").get_data(as_text=True)
    assert '<span lang="nl">Webhosting</span> <span class="gloss">(Web hosting)</span>' in english
    client.set_cookie("lang", "nl")
    assert client.get("/subprocessors.json").json["subprocessors"][0]["countries"] == ["NL"]
    assert "Rekencentrum Noord" in client.get("/subprocessors.csv").get_data(as_text=True)
    effective = utcnow().date() + timedelta(days=40)
    announcements.announce("countries", reason="Tweede locatie", actor=Actor(
        label_override="test"), subprocessor=db.session.scalars(select(SubProcessor)).one(),
        effective_on=effective, new_countries=("NL", "DE"))
    entry = client.get("/subprocessors.json").json["subprocessors"][0]
    assert entry["countries"] == ["NL"]
    assert entry["pending_changes"] == [{
        "change": "countries", "announced_on": utcnow().date().isoformat(),
        "effective_on": effective.isoformat(), "new_countries": ["NL", "DE"],
        "new_transfer_basis": None}]
    assert f"countries {effective.isoformat()} NL DE" in client.get(
        "/subprocessors.csv").get_data(as_text=True)


def test_staff_announce_customers_object_staff_resolve(app, db, people, task_worker, mailbox,
                                                       create_staff):
    owner, admin = people
    staff = AuthActions(app.test_client(), app)
    staff.login_user(admin)
    effective = (utcnow().date() + timedelta(days=30)).isoformat()
    form = {"kind": "add", "subprocessor": "0", "name": "Postbode Mail",
            "legal_entity": "Postbode Mail B.V., Utrecht", "activity": "Verzenden van e-mail",
            "services": "email", "countries": "nl de", "transfer_basis": "",
            "new_countries": "", "new_transfer_basis": "", "reason": "Betere aflevering",
            "effective_on": effective}
    too_soon = staff.post("/staff/subprocessors/announce",
                          {**form, "effective_on": utcnow().date().isoformat()},
                          token_from="/staff/subprocessors/announce")
    assert 'id="effective_on-error"' in too_soon.get_data(as_text=True)
    assert 'value="Postbode Mail"' in too_soon.get_data(as_text=True)
    response = staff.post("/staff/subprocessors/announce", form,
                          token_from="/staff/subprocessors/announce")
    assert response.status_code == 302
    task_worker(lambda: db.session.scalar(  # the e-mails are handed over in the task
        select(Notice.mailed_at).execution_options(populate_existing=True)) is not None)
    mail.drain()
    assert "Postbode Mail" in mailbox.text(mailbox.last(owner.email))
    customer = AuthActions(app.test_client(), app)
    customer.login_user(owner)
    page = customer.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "Postbode Mail" in page and "Rekencentrum Noord" not in page  # webhosting only
    dashboard = customer.client.get("/").get_data(as_text=True)
    assert "Postbode Mail" in dashboard and "/agreement/subprocessors" in dashboard
    assert "bezwaar mogelijk tot" in dashboard
    ann_id = db.session.scalar(select(Announcement.id))
    path = f"/agreement/subprocessors/{ann_id}/object"
    short = customer.post(path, {"reason": "nee"}, token_from=path)
    assert 'id="reason-error"' in short.get_data(as_text=True)
    create_staff(Role.STAFF, email="support@voxio.nl")
    db.session.commit()
    sent = customer.post(path, {"reason": "Wij willen geen nieuwe partij voor onze mail."},
                         token_from=path)
    assert sent.status_code == 302
    mail.drain()
    receipt = mailbox.text(mailbox.last(owner.email))
    assert "Wij hebben het bezwaar van Mail B.V. ontvangen" in receipt
    assert "Wij willen geen nieuwe partij" in receipt
    for address in ("admin@voxio.nl", "support@voxio.nl"):
        alert = mailbox.text(mailbox.last(address))
        assert "Wij willen geen nieuwe partij" in alert and "Bekijk het bezwaar:" in alert
    page = customer.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "ingediend" in page or "submitted" in page
    dashboard = customer.client.get("/").get_data(as_text=True)
    assert "uw bezwaar wordt behandeld" in dashboard and "bezwaar mogelijk" not in dashboard
    objection_id = db.session.scalar(select(Objection.id))
    detail = staff.client.get(f"/staff/announcements/{ann_id}").get_data(as_text=True)
    assert "Wij willen geen nieuwe partij" in detail
    assert "Het betreft 1 organisatie." in detail
    p = f"o{objection_id}-"
    refused = staff.post(f"/staff/objections/{objection_id}/status",
                         {f"{p}status": "resolved", f"{p}note": "Nog te kort"},
                         token_from=f"/staff/announcements/{ann_id}")
    errors = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Geef aan hoe" in errors  # next to the field, with what was typed kept
    assert f'id="{p}resolution-error"' in errors and "Nog te kort" in errors
    staff.post(f"/staff/objections/{objection_id}/status",
               {f"{p}status": "resolved", f"{p}resolution": "not_used",
                f"{p}note": "Wij gebruiken Postbode niet voor uw organisatie."},
               token_from=f"/staff/announcements/{ann_id}")
    assert db.session.get(Objection, objection_id).status == "resolved"
    mail.drain()
    page = customer.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "Wij gebruiken Postbode niet" in page
    # settled as "not used for you": not offered again, and not in your list
    assert f"/agreement/subprocessors/{ann_id}/object" not in page
    assert "Postbode Mail B.V., Utrecht" not in page
    assert "Wij gebruiken Postbode niet" in mailbox.text(mailbox.last(owner.email))
    assert "uw bezwaar is afgehandeld" in customer.client.get("/").get_data(as_text=True)
    detail = staff.client.get(f"/staff/announcements/{ann_id}").get_data(as_text=True)
    assert "afgehandeld — subverwerker wordt niet gebruikt voor deze klant" in detail
    filtered = staff.client.get(f"/staff/announcements/{ann_id}?status=submitted")
    assert "Wij willen geen nieuwe partij" not in filtered.get_data(as_text=True)


def test_choosing_a_service_after_its_announcement_still_brings_the_notice(
        app, db, people, task_worker, mailbox):
    """Art. 5.1: a customer who takes up e-mail after a change to e-mail was announced gets
    the notice (and so the right to object) then, by page and by e-mail."""
    owner, _admin = people
    org = db.session.get(Organization, owner.organization_id)
    agreements.save(org, valid_choices(selected={**valid_choices().selected,
                                                 "services": ("webhosting",)}),
                    Actor(label_override="test"))
    ann = announcements.announce(
        "add", reason="Betere aflevering", effective_on=utcnow().date() + timedelta(days=31),
        actor=Actor(label_override="test"), data=subprocessors.SubProcessorData(
            "Postbode Mail", "Postbode Mail B.V.", "Verzenden van e-mail", ("email",),
            ("NL",)))
    ann_id = ann.id

    task_worker(lambda: db.session.scalar(select(Announcement.notified_at)) is not None)
    assert db.session.scalar(select(Notice).where(Notice.organization_id == org.id)) is None
    db.session.rollback()
    mail.drain()
    before = len(mailbox.to(owner.email))
    agreements.save(org, valid_choices(selected={**valid_choices().selected,
                                                 "services": ("webhosting", "email")}),
                    Actor(label_override="test"))
    notice = db.session.scalar(select(Notice).where(Notice.organization_id == org.id))
    assert notice is not None and notice.announcement_id == ann_id
    task_worker(lambda: db.session.scalar(select(Notice.mailed_at)) is not None)
    mail.drain()
    # saving again (nothing new chosen) adds nothing
    agreements.save(org, valid_choices(selected={**valid_choices().selected,
                                                 "services": ("email",)}),
                    Actor(label_override="test"))
    assert len(db.session.scalars(select(Notice)).all()) == 1
    assert len(mailbox.to(owner.email)) == before + 1
    assert "Postbode Mail" in mailbox.text(mailbox.last(owner.email))
    customer = AuthActions(app.test_client(), app)
    customer.login_user(owner)
    page = customer.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert f"/agreement/subprocessors/{ann_id}/object" in page


def test_the_announce_form_sent_twice_announces_once(app, db, people):
    _owner, admin = people
    staff = AuthActions(app.test_client(), app)
    staff.login_user(admin)
    sp_id = db.session.scalar(select(SubProcessor.id))
    form = {"kind": "remove", "subprocessor": str(sp_id), "name": "", "legal_entity": "",
            "activity": "", "countries": "", "transfer_basis": "", "new_countries": "",
            "new_transfer_basis": "", "reason": "Eigen rekencentrum",
            "effective_on": (utcnow().date() + timedelta(days=45)).isoformat()}
    first = staff.post("/staff/subprocessors/announce", form,
                       token_from="/staff/subprocessors/announce")
    assert first.status_code == 302
    # the browser's Back button brings the filled-in form back, and it is sent again
    again = staff.post("/staff/subprocessors/announce", form,
                       token_from="/staff/subprocessors/announce")
    page = again.get_data(as_text=True)
    assert 'id="subprocessor-error"' in page and "Rekencentrum Noord" in page
    assert "Eigen rekencentrum</textarea>" in page  # what was typed is kept
    assert len(db.session.scalars(select(Announcement)).all()) == 1


def test_withdrawing_without_a_reason_shows_the_error_at_the_field(app, db, people):
    _owner, admin = people
    staff = AuthActions(app.test_client(), app)
    staff.login_user(admin)
    sp = db.session.scalars(select(SubProcessor)).one()
    ann = announcements.announce("remove", reason="Eigen rekencentrum",
                                 actor=Actor(label_override="test"), subprocessor=sp,
                                 effective_on=utcnow().date() + timedelta(days=45))
    path = f"/staff/announcements/{ann.id}"
    page = staff.client.get(path).get_data(as_text=True)
    assert 'name="reason"' in page and "required" in page.split('name="reason"')[1][:200]
    refused = staff.post(f"{path}/withdraw", {"reason": "   "}, token_from=path)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="reason-error"' in text and "<details class=\"card\" open>" in text
    assert db.session.get(Announcement, ann.id).withdrawn_at is None
    done = staff.post(f"{path}/withdraw", {"reason": "Toch nog nodig"}, token_from=path)
    assert done.status_code == 302
    assert db.session.get(Announcement, ann.id).withdrawn_at is not None


# --- English texts beside the Dutch (issue 14, point 5) ----------------------------------

def _english_world(db):
    """Rekencentrum Noord has no English text; Postbode Mail does, and its addition is
    announced with an English reason."""
    actor = Actor(label_override="test")
    return announcements.announce(
        "add", reason="Betere aflevering", reason_en="Better delivery", actor=actor,
        effective_on=utcnow().date() + timedelta(days=40),
        data=subprocessors.SubProcessorData(
            "Postbode Mail", "Postbode Mail B.V.", "Verzenden van e-mail", ("email",), ("NL",),
            activity_en="Sending e-mail"))


def test_an_english_activity_is_shown_to_english_readers_and_dutch_otherwise(db, client,
                                                                              people):
    _english_world(db)
    dutch = client.get("/subprocessors").get_data(as_text=True)
    assert "Verzenden van e-mail" in dutch and "Sending e-mail" not in dutch
    assert "Reden: Betere aflevering" in dutch and "Better delivery" not in dutch
    client.set_cookie("lang", "en")
    english = client.get("/subprocessors").get_data(as_text=True)
    assert "Sending e-mail" in english and "Verzenden van e-mail" not in english
    assert "Reason: Better delivery" in english
    assert "<td data-label=\"What it does\">Servers</td>" in english  # no English: the Dutch


def test_the_customers_page_shows_the_english_reason_to_english_readers(app, db, people):
    owner, _admin = people
    ann = _english_world(db)
    db.session.add(Notice(organization_id=owner.organization_id, announcement_id=ann.id))
    customer = AuthActions(app.test_client(), app)
    customer.login_user(owner)
    dutch = customer.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "Reden: Betere aflevering" in dutch and "Wat Postbode Mail doet: Verzenden" in dutch
    customer.client.set_cookie("lang", "en")
    english = customer.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "Reason: Better delivery" in english
    assert "What Postbode Mail does: Sending e-mail." in english
    assert "<td data-label=\"What it does\">Sending e-mail</td>" in english


def test_the_register_json_carries_the_english_activity(db, client, people):
    _english_world(db)
    entries = {e["name"]: e for e in client.get("/subprocessors.json").json["subprocessors"]}
    assert entries["Postbode Mail"]["activity"] == "Verzenden van e-mail"  # unchanged
    assert entries["Postbode Mail"]["activity_en"] == "Sending e-mail"
    assert entries["Rekencentrum Noord"]["activity_en"] is None
    rows = client.get("/subprocessors.csv").get_data(as_text=True).splitlines()
    assert rows[0].split(",")[:3] == ["name", "legal_entity", "activity"]
    assert rows[0].endswith(",pending_changes,activity_en")
    assert next(r for r in rows if r.startswith("Postbode Mail,")).endswith(",Sending e-mail")


def test_staff_withdraw_with_an_english_reason_too(app, db, people):
    _owner, admin = people
    ann = _english_world(db)
    staff = AuthActions(app.test_client(), app)
    staff.login_user(admin)
    path = f"/staff/announcements/{ann.id}"
    page = staff.client.get(path).get_data(as_text=True)
    assert 'name="reason_en"' in page and "Reden in het Engels" in page  # as written
    staff.post(f"{path}/withdraw", {"reason": "Toch niet nodig", "reason_en": "Not needed "
                                    "after all"}, token_from=path)
    ann = db.session.get(Announcement, ann.id)
    assert (ann.withdrawal_reason, ann.withdrawal_reason_en) == (
        "Toch niet nodig", "Not needed after all")
    feed = app.test_client().get("/subprocessors/feed.atom").get_data(as_text=True)
    assert "Ingetrokken: Toch niet nodig Withdrawn: Not needed after all" in feed
    assert "Reden: Betere aflevering Reason: Better delivery" in feed
