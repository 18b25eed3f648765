"""Voxio staff: customers, staff accounts, the audit log."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Organization, Role, User
from tests.factories import ALL_ROLES


@pytest.fixture
def admin(create_staff):
    return create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")


def test_new_customer_form_keeps_input_and_shows_errors(db, auth, admin):
    auth.login_user(admin)
    page = auth.post("/staff/customers/new", {
        "name": "Half Ingevuld B.V.", "kvk_number": "123", "customer_number": "VX 1!",
        "owner_email": "geen-email"}, token_from="/staff/customers/new").get_data(as_text=True)
    assert 'value="Half Ingevuld B.V."' in page
    assert page.count('aria-invalid="true"') >= 5
    page = auth.post("/staff/customers/new", {
        "name": "Postcode B.V.", "kvk_number": "12345678", "customer_number": "VX-2",
        "address": "a", "postal_code": "ABCD", "city": "c", "country": "NL",
        "owner_name": "O", "owner_email": "o@postcode.nl"},
        token_from="/staff/customers/new").get_data(as_text=True)
    assert 'id="postal_code-error"' in page and "vier cijfers en twee letters" in page
    assert 'value="ABCD"' in page
    assert db.session.scalar(select(Organization)) is None


def test_duplicate_customer_number_is_refused(auth, admin, create_org):
    create_org(customer_number="VX-1")
    auth.login_user(admin)
    page = auth.post("/staff/customers/new", {
        "name": "Dubbel B.V.", "kvk_number": "12345678", "customer_number": "VX-1",
        "address": "a", "postal_code": "1234 AB", "city": "c", "country": "NL",
        "owner_name": "O", "owner_email": "o@dubbel.nl"},
        token_from="/staff/customers/new").get_data(as_text=True)
    assert 'aria-invalid="true"' in page


def test_customer_search_and_pagination(db, auth, admin, create_org):
    for i in range(30):
        create_org(f"Zoekbaar {i:02d} B.V.")
    create_org("Anders N.V.")
    db.session.commit()
    auth.login_user(admin)
    page = auth.client.get("/staff/customers?q=zoekbaar").get_data(as_text=True)
    assert "Zoekbaar 00" in page and "Anders" not in page and 'rel="next"' in page
    page2 = auth.client.get("/staff/customers?q=zoekbaar&page=2").get_data(as_text=True)
    assert "Zoekbaar 29" in page2
    empty = auth.client.get("/staff/customers?q=%25_nothing").get_data(as_text=True)
    assert 'class="empty"' in empty


def test_staff_admin_invites_staff_and_manages_roles(db, auth, admin, mailbox, create_staff):
    colleague = create_staff(Role.STAFF)
    auth.login_user(admin)
    auth.post("/staff/staff-users", {"name": "Nieuw", "email": "nieuw@voxio.nl",
                                     "role": "staff"}, token_from="/staff/staff-users")
    assert "/invitation/" in mailbox.text(mailbox.last("nieuw@voxio.nl"))
    auth.post(f"/staff/users/{colleague.id}/role", {"role": "staff_admin"})
    assert db.session.get(User, colleague.id).role == Role.STAFF_ADMIN


def test_plain_staff_cannot_touch_staff_accounts(db, auth, admin, create_staff):
    staff = create_staff(Role.STAFF)
    auth.login_user(staff)
    auth.post(f"/staff/users/{admin.id}/active", {"active": "0"})
    assert db.session.get(User, admin.id).active


def test_staff_audit_log_filters_by_customer_and_verifies_chain(auth, admin, create_org,
                                                                create_user):
    org = create_org("Gefilterd B.V.")
    owner = create_user(org, ALL_ROLES)
    auth.another().login(owner.email)
    auth.login_user(admin)
    page = auth.client.get(f"/staff/audit?organization={owner.organization_id}")
    text = page.get_data(as_text=True)
    assert owner.email in text and admin.email not in text.split("<main")[1].split("</table>")[0]
    response = auth.post("/staff/audit/verify", follow_redirects=True)
    assert "flash--success" in response.get_data(as_text=True)


def test_staff_opening_a_customer_is_logged_for_that_customer(db, auth, admin, create_org):
    org = create_org("Bekeken B.V.")
    auth.login_user(admin)
    assert "Bekeken B.V." in auth.client.get(f"/staff/customers/{org.id}").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "organization.viewed_by_staff"))
    assert event.organization_id == org.id and event.actor_label == admin.email


ORG_FORM = {"name": "Bakkerij Jansen B.V.", "kvk_number": "12345678",
            "customer_number": "VX-20001", "address": "Dorpsstraat 1", "postal_code": "1234 AB",
            "city": "Utrecht", "country": "NL"}


def _opened(page: str) -> str:
    return html.unescape(page.split('name="opened"')[1].split('value="')[1].split('"')[0])


def test_two_staff_edits_of_a_customer_merge_and_a_clash_is_shown(db, auth, admin, create_org):
    org = create_org("Bakkerij Jansen B.V.")
    auth.login_user(admin)
    colleague = auth.another()
    colleague.login_user(admin, totp_offset=1)
    path = f"/staff/customers/{org.id}/edit"
    mine = auth.client.get(path).get_data(as_text=True)
    theirs = colleague.client.get(path).get_data(as_text=True)
    form = {name: getattr(org, name) for name in ORG_FORM}  # the form as opened
    assert colleague.post(path, {**form, "city": "Amersfoort", "opened": _opened(theirs)},
                          token_from=path).status_code == 302
    # I change the address only: both changes stay
    merged = auth.post(path, {**form, "address": "Kerkplein 9", "opened": _opened(mine)},
                       token_from=path)
    assert merged.status_code == 302
    db.session.refresh(org)
    assert (org.city, org.address) == ("Amersfoort", "Kerkplein 9")
    # both change the city, differently: nothing saved, both values shown, mine kept
    mine = auth.client.get(path).get_data(as_text=True)
    theirs = colleague.client.get(path).get_data(as_text=True)
    colleague.post(path, {**form, "address": "Kerkplein 9", "city": "Zwolle",
                          "opened": _opened(theirs)}, token_from=path)
    stale = auth.post(path, {**form, "address": "Kerkplein 9", "city": "Deventer",
                             "opened": _opened(mine)}, token_from=path)
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Zwolle" in page and 'value="Deventer"' in page
    db.session.refresh(org)
    assert org.city == "Zwolle"
    again = auth.post(path, {**form, "address": "Kerkplein 9", "city": "Deventer",
                             "opened": _opened(page)}, token_from=path)
    assert again.status_code == 302
