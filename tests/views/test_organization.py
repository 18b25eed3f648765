"""A customer's own organization: members, roles, invitations, audit log."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import AuditEvent, CustomerRole, Organization, Role, User, utcnow
from portal.services import mail
from tests.factories import ALL_ROLES, MEMBER
from tests.helpers import csrf_token


@pytest.fixture
def team(create_org, create_user):
    """An owner and a member of Eigen B.V., and the owner of another organization."""
    org, other = create_org("Eigen B.V."), create_org("Ander B.V.")
    owner = create_user(org, ALL_ROLES, email="owner@eigen.nl")
    member = create_user(org, MEMBER, email="member@eigen.nl")
    stranger = create_user(other, ALL_ROLES, email="owner@ander.nl")
    return owner, member, stranger


def test_member_sees_colleagues_but_no_management(auth, team):
    owner, member, stranger = team
    auth.login(member.email)
    page = auth.client.get("/organization/").get_data(as_text=True)
    assert owner.email in page and member.email in page
    assert stranger.email not in page
    assert "Invite a colleague" not in page and "Nodig een collega uit" not in page


def test_owner_invites_a_colleague_who_joins_the_same_organization(client, auth, team, mailbox):
    owner, *_ = team
    auth.login(owner.email)
    response = auth.post("/organization/invite", {"name": "Nina", "email": "nina@eigen.nl"},
                         token_from="/organization/invite")
    assert response.status_code == 302
    text = mailbox.text(mailbox.last("nina@eigen.nl"))
    assert "Eigen B.V." in text and "Lid: leest de overeenkomst" in text
    assert "ondertekent" not in text and "Eigenaar" not in text


NFC, NFD = "jürgen@eigen.nl", "ju\u0308rgen@eigen.nl"  # one address, two Unicode forms


def test_an_address_in_another_unicode_form_is_the_same_address(auth, client, team, mailbox,
                                                                 create_user):
    owner, *_ = team
    assert NFC != NFD
    auth.login(owner.email)
    first = auth.post("/organization/invite", {"name": "Jürgen", "email": NFD},
                      token_from="/organization/invite")
    assert first.status_code == 302
    assert mailbox.to(NFC)  # stored and sent in the composed form
    second = auth.post("/organization/invite", {"name": "Jürgen", "email": NFC},
                       token_from="/organization/invite").get_data(as_text=True)
    assert "nog een uitnodiging open" in second  # the same invitation, not a second one
    jurgen = create_user(owner.organization, MEMBER, email=NFC, name="Jürgen")
    assert auth.another().login(NFD).status_code == 302  # signs in typed either way
    client.post("/password/forgot", data={"csrf_token": csrf_token(client, "/password/forgot"),
                                          "email": NFD.upper()})
    assert len(mailbox.to(jurgen.email)) == 2  # the invitation and the reset link


def test_invite_form_keeps_input_and_explains_errors(auth, team, create_staff):
    owner, member, _ = team
    auth.login(owner.email)
    page = auth.post("/organization/invite", {"name": "Dubbel", "email": member.email},
                     token_from="/organization/invite").get_data(as_text=True)
    assert 'value="Dubbel"' in page and 'aria-invalid="true"' in page
    page = auth.post("/organization/invite", {"name": "Fout", "email": "geen-adres"},
                     token_from="/organization/invite").get_data(as_text=True)
    assert 'value="geen-adres"' in page and 'aria-invalid="true"' in page
    # an address that already has an account elsewhere (Voxio staff, another customer) too
    staff = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    page = auth.post("/organization/invite", {"name": "Beheer", "email": staff.email},
                     token_from="/organization/invite").get_data(as_text=True)
    assert 'aria-invalid="true"' in page and "al een account" in page


def test_owner_cannot_remove_the_last_owner(db, auth, team, create_user):
    owner, _member, _ = team
    second = create_user(owner.organization, ALL_ROLES)
    other = auth.another()
    other.login(second.email)
    other.post(f"/organization/members/{owner.id}/role", {"roles": []})
    assert db.session.get(User, owner.id).customer_roles == {CustomerRole.MEMBER}
    # now `second` is the last owner and cannot be demoted by anyone, nor deactivated
    auth.login(owner.email)
    assert auth.client.get("/organization/invite").status_code == 403
    other.post(f"/organization/members/{second.id}/active", {"active": "0"})
    assert db.session.get(User, second.id).active  # you cannot remove yourself


def test_owner_audit_log_shows_only_own_organization_and_exports_csv(auth, team):
    owner, member, stranger = team
    auth.another().login(stranger.email)
    auth.login(owner.email)
    page = auth.client.get("/organization/audit").get_data(as_text=True)
    assert owner.email in page and stranger.email not in page
    response = auth.client.get("/organization/audit.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    response.close()
    assert rows and {r["actor"] for r in rows} <= {owner.email, member.email}
    assert "audit.exported" in {r["action"] for r in rows}


def test_audit_filter_by_action(auth, team):
    owner, *_ = team
    auth.login(owner.email)
    auth.client.get("/account/")
    page = auth.client.get("/organization/audit?action=auth.login").get_data(as_text=True)
    assert "auth.login" in page and "audit.exported" not in page


def test_audit_filter_survives_bad_dates(auth, team):
    owner, *_ = team
    auth.login(owner.email)
    response = auth.client.get("/organization/audit?date_from=not-a-date&page=99")
    assert response.status_code == 200


def test_deactivated_member_is_shown_without_access(db, auth, team):
    owner, member, _ = team
    auth.login(owner.email)
    auth.post(f"/organization/members/{member.id}/active", {"active": "0"})
    assert not db.session.scalar(select(User.active).where(User.id == member.id))
    page = auth.client.get("/organization/").get_data(as_text=True)
    assert "inactive" in page


def _views(user) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "personal_data.viewed", AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.id).execution_options(unscoped=True))
    return [json.loads(row) for row in rows]


def test_viewing_personal_data_is_logged_once_per_session_and_page(auth, team, create_revision):
    owner, member, _ = team
    create_revision(owner.organization, owner)
    auth.login(member.email)
    for _ in range(3):
        assert auth.client.get("/organization/").status_code == 200
        assert auth.client.get("/agreement/preview").status_code == 200
    auth.client.get("/pki/")  # no personal data: not logged
    assert [v["page"] for v in _views(member)] == ["/organization/", "/agreement/preview"]
    again = auth.another()
    again.login(member.email)  # a new sign-in session logs its views afresh
    again.client.get("/organization/")
    assert len(_views(member)) == 3
    auth.logout()
    auth.login(owner.email)
    log = auth.client.get("/organization/audit").get_data(as_text=True)
    assert "Pagina met persoonsgegevens bekeken" in log


def test_the_customers_audit_log_speaks_in_document_numbers_not_json_or_ids(
        auth, team, create_revision):
    owner, *_ = team
    create_revision(owner.organization, owner)
    auth.login(owner.email)
    auth.client.get("/agreement/preview")
    page = auth.client.get("/organization/audit").get_data(as_text=True)
    table = page.split("<table")[1].split("</table>")[0]
    assert "Revisie" in table and "Pagina" in table and "/agreement/preview" in table
    assert "{&#34;" not in table and '{"' not in table  # no raw JSON
    assert "Technische gegevens" not in table  # that fold is for staff
    assert "endpoint" not in table


def test_owners_check_who_has_access_export_the_list_and_are_reminded_when_due(
        app, auth, team, mailbox, runner):
    owner, member, _ = team
    auth.login(owner.email)
    page = auth.client.get("/organization/").get_data(as_text=True)
    assert "Toegang is nog niet gecontroleerd" in page
    rows = list(csv.DictReader(io.StringIO(
        auth.client.get("/organization/access.csv").get_data(as_text=True))))
    assert {(r["email"], r["roles"], r["two_step"]) for r in rows} == {
        (owner.email, "owner,signatory,privacy_contact", "off"), (member.email, "member", "off")}
    assert runner.invoke(args=["access", "remind"]).output.startswith("reminded 0")
    # half a year on, the check is due: owners are reminded once, with the people listed
    db.session.execute(update(Organization).where(Organization.id == owner.organization_id)
                       .values(created_at=utcnow() - timedelta(
                           days=app.config["ACCESS_REVIEW_DAYS"] + 1)))
    db.session.commit()
    assert "reminded 1" in runner.invoke(args=["access", "remind"]).output
    assert "reminded 0" in runner.invoke(args=["access", "remind"]).output
    mail.drain()
    text = mailbox.text(mailbox.last(owner.email))
    assert member.email in text and "/organization/" in text
    assert not mailbox.to(member.email)
    page = auth.client.get("/organization/").get_data(as_text=True)
    assert "Er is een controle nodig" in page
    done = auth.post("/organization/access/review", token_from="/organization/")
    assert done.status_code == 302
    page = auth.client.get("/organization/").get_data(as_text=True)
    assert "Volgende controle op" in page and owner.name in page
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "organization.access_reviewed").execution_options(
            unscoped=True)) is not None
