"""A customer re-reads its objection (art. 5.1), adds information or withdraws it; staff are
told and see it with the objection."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditEvent,
    CustomerRole,
    Notice,
    Objection,
    ObjectionEvent,
    Resolution,
    Role,
    utcnow,
)
from portal.services import NotPermitted, announcements, mail, objections, subprocessors
from portal.services.context import Actor
from tests.factories import ALL_ROLES, MEMBER

ACTOR = Actor(label_override="test")
REASON = "Wij willen geen nieuwe partij voor onze mail."


@pytest.fixture
def objected(db, create_org, create_user, create_staff):
    """Mail B.V. objected to a new e-mail sub-processor; its privacy contact, a member, and
    Voxio staff."""
    org = create_org("Mail B.V.")
    privacy = create_user(org, (CustomerRole.PRIVACY_CONTACT,), email="fg@mail.nl",
                          name="Fenna Privacy")
    member = create_user(org, MEMBER, email="lid@mail.nl")
    staff = create_staff(Role.STAFF_ADMIN, email="admin@voxio.nl")
    ann = announcements.announce(
        "add", reason="Betere aflevering", actor=ACTOR,
        effective_on=utcnow().date() + timedelta(days=40),
        data=subprocessors.SubProcessorData("Postbode Mail", "Postbode Mail B.V.",
                                            "Verzenden van e-mail", ("email",), ("NL",)))
    db.session.add(Notice(organization_id=org.id, announcement_id=ann.id))
    db.session.commit()
    objection = objections.submit(org, ann, REASON, Actor(user=privacy))
    return dict(org=org, privacy=privacy, member=member, staff=staff, ann=ann,
                objection=objection, path=f"/agreement/objections/{objection.id}")


def _actions(org) -> list[tuple[str, dict]]:
    rows = select(AuditEvent.action, AuditEvent.details).where(
        AuditEvent.organization_id == org.id, AuditEvent.action.startswith("objection."))
    return [(a, json.loads(d)) for a, d in db.session.execute(rows.order_by(AuditEvent.seq))]


def test_every_customer_user_rereads_the_objection_with_staff_notes_and_the_change(
        db, auth, objected):
    objections.set_status(objected["objection"], "in_review", ACTOR,
                          note="Wij zoeken uit of het zonder Postbode kan.")
    auth.login_user(objected["member"])
    page = auth.client.get(objected["path"]).get_data(as_text=True)
    assert "Uw bezwaar tegen de wijziging voor Postbode Mail" in page
    assert REASON in page and "Fenna Privacy" in page
    assert "in behandeling" in page and "Bezwaar gemaakt" in page
    assert "Voxio: in behandeling" in page and "Wij zoeken uit of het zonder Postbode" in page
    assert "Betere aflevering" in page  # the change it concerns, with Voxio's reason
    assert "Het privacycontact van uw organisatie kan het bezwaar aanvullen" in page
    assert "/information" not in page and "/withdraw" not in page  # a member reads only
    mine = auth.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert f'href="{objected["path"]}"' in mine


def test_a_privacy_contact_adds_information_and_staff_see_it(db, auth, objected, mailbox):
    auth.login_user(objected["privacy"])
    path = objected["path"]
    short = auth.post(f"{path}/information", {"note": "kort"}, token_from=path)
    assert short.status_code == 422
    assert 'id="note-error"' in short.get_data(as_text=True)
    note = "Wij gebruiken ook uw webhosting; daar geldt hetzelfde voor."
    done = auth.post(f"{path}/information", {"note": note}, token_from=path,
                     follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Uw informatie is aan het bezwaar toegevoegd" in page
    assert "Informatie toegevoegd door uw organisatie" in page and note in page
    events = db.session.scalars(select(ObjectionEvent).where(
        ObjectionEvent.objection_id == objected["objection"].id)
        .order_by(ObjectionEvent.id)).all()
    assert [(e.status, e.note) for e in events] == [("submitted", ""), ("submitted", note)]
    assert _actions(objected["org"])[-1] == ("objection.information_added", {
        "announcement": objected["ann"].id, "characters": len(note)})
    mail.drain()
    told = mailbox.last(objected["staff"].email)
    assert "Mail B.V. vult het bezwaar aan" in told["Subject"]
    assert note in mailbox.text(told)
    staff = auth.another()
    staff.login_user(objected["staff"])
    detail = staff.client.get(f"/staff/announcements/{objected['ann'].id}").get_data(
        as_text=True)
    assert f"informatie toegevoegd door de klant</strong>: {note}" in detail


def test_a_privacy_contact_withdraws_an_objection_and_staff_are_told(
        db, auth, objected, mailbox):
    auth.login_user(objected["privacy"])
    path = objected["path"]
    done = auth.post(f"{path}/withdraw", token_from=path, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Uw bezwaar is ingetrokken" in page and "Bezwaar ingetrokken" in page
    assert "U kunt tot" in page  # and may object again before the change takes effect
    objection = db.session.get(Objection, objected["objection"].id)
    assert (objection.status, objection.resolution) == ("resolved", Resolution.WITHDRAWN)
    assert _actions(objected["org"])[-1] == ("objection.withdrawn", {
        "status": "resolved", "resolution": "withdrawn"})
    mail.drain()
    told = mailbox.last(objected["staff"].email)
    assert "Mail B.V. trekt het bezwaar in" in told["Subject"]
    assert "afgehandeld als ingetrokken" in mailbox.text(told)
    again = f"/agreement/subprocessors/{objected['ann'].id}/object"
    assert "Bezwaar versturen" in auth.client.get(again).get_data(as_text=True)


def test_a_closed_objection_takes_no_more_information(db, auth, objected):
    objections.set_status(objected["objection"], "resolved", ACTOR, resolution="not_used",
                          note="Wij gebruiken Postbode niet voor uw organisatie.")
    auth.login_user(objected["privacy"])
    path = objected["path"]
    page = auth.client.get(path).get_data(as_text=True)
    assert "Dit bezwaar is afgesloten" in page and 'name="note"' not in page
    refused = auth.post(f"{path}/information", {"note": "Toch nog iets toe te voegen."},
                        token_from=path)
    assert refused.status_code == 422
    assert "Dit bezwaar is afgesloten en kan niet meer worden gewijzigd" in \
        refused.get_data(as_text=True)
    withdrawn = auth.post(f"{path}/withdraw", token_from=path, follow_redirects=True)
    assert "Dit bezwaar is afgesloten" in withdrawn.get_data(as_text=True)
    objection = db.session.get(Objection, objected["objection"].id)
    assert objection.resolution == Resolution.NOT_USED and len(objection.events) == 2


def test_only_the_privacy_contact_may_follow_up_an_objection(db, auth, objected):
    auth.login_user(objected["member"])
    path = objected["path"]
    assert auth.post(f"{path}/information", {"note": "Ook ik heb bezwaar hiertegen."},
                     token_from=path).status_code == 403
    assert auth.post(f"{path}/withdraw", token_from=path).status_code == 403
    with pytest.raises(NotPermitted):
        objections.withdraw(objected["objection"], Actor(user=objected["member"]))
    assert db.session.get(Objection, objected["objection"].id).status == "submitted"


def test_another_organizations_objection_is_not_found(db, auth, objected, create_org,
                                                      create_user):
    stranger = create_user(create_org("Ander B.V."), ALL_ROLES)
    auth.login_user(stranger)
    path = objected["path"]
    assert auth.client.get(path).status_code == 404
    assert auth.post(f"{path}/withdraw").status_code == 404
    assert db.session.get(Objection, objected["objection"].id).status == "submitted"
