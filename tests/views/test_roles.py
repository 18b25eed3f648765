"""Roles that fit a customer's organization: owner, signatory, privacy contact, member.

One person may hold several; what each may do is portal.models.GRANTS (the access table in
test_access.py checks every route against it).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import CustomerRole, Notice, User, utcnow
from portal.services import NotPermitted, agreements, announcements, mail, objections, subprocessors
from portal.services.context import Actor
from tests.factories import MEMBER, valid_choices
from tests.helpers import csrf_token

OWNER, SIGNATORY, PRIVACY = (CustomerRole.OWNER,), (CustomerRole.SIGNATORY,), \
    (CustomerRole.PRIVACY_CONTACT,)


@pytest.fixture
def org(create_org, create_user, create_revision):
    org = create_org("Rollen B.V.")
    create_revision(org)
    return org


def _announce(days=40):
    return announcements.announce(
        "add", reason="Nieuwe mailpartner", actor=Actor(label_override="test"),
        effective_on=utcnow().date() + timedelta(days=days),
        data=subprocessors.SubProcessorData("Postbode", "Postbode B.V.", "Mail",
                                            ("webhosting",), ("NL",)))


def test_a_privacy_contact_objects_but_neither_signs_nor_manages_users(
        db, auth, org, create_user):
    dpo = create_user(org, PRIVACY, email="fg@rollen.nl")
    ann = _announce()
    db.session.add(Notice(organization_id=org.id, announcement_id=ann.id))
    db.session.commit()
    auth.login_user(dpo)
    assert auth.client.get("/agreement/sign").status_code == 403
    assert auth.client.get("/organization/invite").status_code == 403
    assert auth.client.get("/organization/audit").status_code == 200  # reads everything
    response = auth.post(f"/agreement/subprocessors/{ann.id}/object",
                         {"reason": "Wij willen geen nieuwe partij voor onze mail."},
                         token_from=f"/agreement/subprocessors/{ann.id}/object")
    assert response.status_code == 302
    assert objections.open_objection(org, ann) is not None


def test_a_signatory_signs_but_cannot_object(db, auth, org, create_user):
    signatory = create_user(org, SIGNATORY)
    ann = _announce()
    db.session.add(Notice(organization_id=org.id, announcement_id=ann.id))
    db.session.commit()
    auth.login_user(signatory)
    assert auth.client.get("/agreement/sign").status_code == 200
    assert auth.client.get(f"/agreement/subprocessors/{ann.id}/object").status_code == 403
    page = auth.client.get("/agreement/subprocessors").get_data(as_text=True)
    assert "Het privacycontact van uw organisatie kan bezwaar maken." in page
    with pytest.raises(NotPermitted):  # the service refuses too, not only the view
        objections.submit(org, ann, "Liever niet, om redenen.", Actor(user=signatory))


def test_a_member_reads_but_the_services_refuse_changes(db, auth, org, create_user):
    member = create_user(org, MEMBER)
    auth.login_user(member)
    assert auth.client.get("/agreement/preview").status_code == 200
    assert "Lid" in auth.client.get("/account/").get_data(as_text=True)
    with pytest.raises(NotPermitted):
        agreements.save(org, valid_choices(), Actor(user=member))


def test_an_owner_gives_one_person_several_roles_and_the_log_says_which(
        db, auth, org, create_user):
    owner = create_user(org, OWNER)
    colleague = create_user(org, MEMBER, name="Femke de Wit")
    auth.login_user(owner)
    response = auth.post(f"/organization/members/{colleague.id}/role",
                         {"roles": ["signatory", "privacy_contact"]},
                         token_from="/organization/")
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert colleague.ordered_roles == [CustomerRole.SIGNATORY, CustomerRole.PRIVACY_CONTACT]
    page = auth.client.get("/organization/").get_data(as_text=True)
    assert "Ondertekenaar, Privacycontact" in page
    log = auth.client.get("/organization/audit").get_data(as_text=True)
    assert "Lid" in log and "Ondertekenaar, Privacycontact" in log  # from, to: in words
    # a role that does not exist is refused with a message, nothing changes
    auth.post(f"/organization/members/{colleague.id}/role", {"roles": ["admin"]},
              token_from="/organization/")
    db.session.refresh(colleague)
    assert colleague.ordered_roles == [CustomerRole.SIGNATORY, CustomerRole.PRIVACY_CONTACT]


def test_the_last_owner_keeps_the_owner_role_whoever_asks(db, auth, org, create_user,
                                                          create_staff):
    first, second = create_user(org, OWNER), create_user(org, OWNER)
    auth.login_user(first)
    auth.post(f"/organization/members/{second.id}/role", {"roles": ["signatory"]},
              token_from="/organization/")
    db.session.refresh(second)
    assert not second.is_owner
    staff = auth.another()
    staff.login_user(create_staff())
    page = staff.post(f"/staff/users/{first.id}/role", {"roles": ["signatory"]},
                      token_from=f"/staff/customers/{org.id}", follow_redirects=True)
    assert "minstens één actieve eigenaar" in page.get_data(as_text=True)
    staff.post(f"/staff/users/{first.id}/active", {"active": "0"},
               token_from=f"/staff/customers/{org.id}")
    db.session.refresh(first)
    assert first.is_owner and first.active


def test_notices_reach_owners_and_privacy_contacts_not_signatories_or_members(
        db, org, create_user, task_worker, mailbox):
    people = {name: create_user(org, roles, email=f"{name}@rollen.nl") for name, roles in (
        ("owner", OWNER), ("privacy", PRIVACY), ("signatory", SIGNATORY), ("member", MEMBER))}
    people["gone"] = create_user(org, PRIVACY, email="gone@rollen.nl", active=False)
    db.session.commit()
    _announce()
    task_worker(lambda: db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.mailed_at.is_not(None))) == 1)
    mail.drain()
    assert {m["To"] for m in mailbox.messages} == {  # and the art. 7.3 contact of the choices
        "owner@rollen.nl", "privacy@rollen.nl", "fg@example.com"}


def test_an_invitation_says_what_each_of_its_roles_allows(db, auth, org, create_user, mailbox,
                                                         client):
    owner = create_user(org, OWNER)
    auth.login_user(owner)
    response = auth.post("/organization/invite", {
        "name": "Femke", "email": "femke@rollen.nl", "roles": ["privacy_contact"]},
        token_from="/organization/invite")
    assert response.status_code == 302
    text = mailbox.text(mailbox.last("femke@rollen.nl"))
    assert "Privacycontact: ontvangt elk bericht, mag bezwaar maken" in text
    assert "Eigenaar" not in text and "Ondertekenaar" not in text
    auth.logout()
    link = mailbox.link("femke@rollen.nl", "/invitation/")
    client.post(link, data={"csrf_token": csrf_token(client, link), "name": "Femke",
                            "password": "de zon schijnt op het water"})
    femke = db.session.scalar(select(User).where(User.email == "femke@rollen.nl"))
    assert femke.ordered_roles == [CustomerRole.PRIVACY_CONTACT]
