"""Every route x every role: who gets in, who is sent to sign in, who gets 403 or 404.

The table must name every route the app has; a new route fails this test until its access
rules are written down here.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, CustomerRole, Invitation, Notice, Role
from portal.models import utcnow as now
from portal.services import (
    access,
    announcements,
    objections,
    preparation,
    signing,
    subprocessors,
)
from portal.services.context import Actor
from tests.factories import ALL_ROLES, MEMBER
from tests.helpers import csrf_token

ROLES = ("anonymous", "member", "owner", "signatory", "privacy", "staff", "staff_admin")
CUSTOMERS = ("member", "owner", "signatory", "privacy")  # each holds that one role only
LOGIN = "login"  # 302 to the sign-in page


def only(*roles: str, status: int = 200) -> dict:
    """``roles`` get ``status``; every other signed-in role 403; anonymous to sign in."""
    return {"anonymous": LOGIN, **{r: status if r in roles else 403 for r in ROLES[1:]}}


@pytest.fixture
def world(db, create_org, create_user, create_staff, create_revision):
    """Two customers with users and an invitation each, and Voxio staff."""
    org_a, org_b = create_org("Eigen B.V."), create_org("Ander B.V.")
    people = dict(
        owner=create_user(org_a, (CustomerRole.OWNER,)),
        signatory=create_user(org_a, (CustomerRole.SIGNATORY,)),
        privacy=create_user(org_a, (CustomerRole.PRIVACY_CONTACT,)),
        member=create_user(org_a, MEMBER),
        owner_b=create_user(org_b, ALL_ROLES),
        member_b=create_user(org_b, MEMBER),
        staff=create_staff(Role.STAFF),
        staff_admin=create_staff(Role.STAFF_ADMIN),
    )
    invitations = {}
    for key, org in (("a", org_a), ("b", org_b)):
        inv = Invitation(organization=org, email=f"new-{key}@example.com", name="Nieuw",
                         role=Role.CUSTOMER, token_hash=f"{key}" * 64,
                         expires_at=now().replace(year=now().year + 1))
        db.session.add(inv)
        invitations[key] = inv
    create_revision(org_a)
    create_revision(org_b)
    create_revision(org_b, large_scale=True)  # revision 2 exists only for B
    actor = Actor(label_override="test")
    prepared_b = preparation.prepare(org_b, people["owner_b"], actor)
    signed_b = signing.sign(prepared_b, signing.Confirmation(
        prepared_b.signatory_name, prepared_b.signatory_function, True),
        people["owner_b"], None, actor)
    announcement = announcements.announce(
        "add", reason="Nieuwe mailpartner", actor=actor,
        effective_on=now().date() + timedelta(days=40),
        data=subprocessors.SubProcessorData("Postbode", "Postbode B.V.", "Mail",
                                            ("email",), ("NL",)))
    db.session.add(Notice(organization_id=org_b.id, announcement_id=announcement.id))
    db.session.commit()
    objection = objections.submit(org_b, announcement, "Liever geen nieuwe partij.", actor)
    return SimpleNamespace(org_a=org_a, org_b=org_b, inv_a=invitations["a"],
                           inv_b=invitations["b"], prepared_b=prepared_b.public_id,
                           signed_b=signed_b.public_id, announcement=announcement.id,
                           objection=objection.id, **people)


def table(w):
    """(method, path, {role: expected status, or LOGIN})."""
    a, b = w.org_a.id, w.org_b.id
    mb, ma = w.member_b.id, w.member.id
    everyone = dict.fromkeys(ROLES, 200)
    signed_in = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)}
    customers = only(*CUSTOMERS)
    managers = only("owner")
    signers = only("signatory")
    auditors = only("owner", "privacy")
    editors = only("owner", "signatory", "privacy")
    staff = only("staff", "staff_admin")
    admins = only("staff_admin")
    redirect = dict.fromkeys(ROLES, 302)
    # Another organization's objects do not exist for a customer: 404, never 403.
    elsewhere = {**customers, **dict.fromkeys(CUSTOMERS, 404)}
    return [
        ("GET", "/", signed_in),
        ("GET", "/healthz", everyone),
        ("GET", "/lang/en", redirect),
        ("GET", "/login", {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}),
        ("GET", "/login/verify", redirect),
        ("POST", "/logout", {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 302)}),
        ("GET", "/password/forgot", everyone),
        ("GET", "/password/reset/not-a-token", dict.fromkeys(ROLES, 410)),
        ("GET", "/invitation/not-a-token", dict.fromkeys(ROLES, 410)),
        ("GET", "/confirm", signed_in),
        ("GET", "/account/", signed_in),
        ("GET", "/account/password", signed_in),
        ("GET", "/account/two-factor", signed_in),
        ("GET", "/account/two-factor/setup",
         {**customers, "staff": 302, "staff_admin": 302}),
        ("POST", "/account/two-factor/recovery-codes",
         {**staff, **dict.fromkeys(CUSTOMERS, 302)}),
        ("POST", "/account/two-factor/disable",
         {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 302)}),
        ("GET", "/account/sessions", signed_in),
        ("GET", "/organization/", customers),
        ("GET", "/organization/invite", managers),
        ("GET", "/organization/audit", auditors),
        ("GET", "/organization/audit.csv", auditors),
        ("GET", "/organization/access.csv", managers),
        ("POST", "/organization/access/review", only("owner", status=302)),
        ("POST", f"/organization/members/{mb}/role", only("owner", status=404)),
        ("POST", f"/organization/members/{mb}/active", only("owner", status=404)),
        ("POST", f"/organization/invitations/{w.inv_b.id}/resend", only("owner", status=404)),
        ("POST", f"/organization/invitations/{w.inv_b.id}/revoke", only("owner", status=404)),
        ("POST", f"/organization/members/{ma}/role", only("owner", status=302)),
        ("GET", "/agreement/", customers),
        ("GET", "/agreement/choices", customers),
        ("POST", "/agreement/choices", editors),  # 200: the form's errors
        ("GET", "/agreement/preview", customers),
        ("GET", "/agreement/preview?revision=1", customers),
        ("GET", "/agreement/preview?revision=2", elsewhere),
        ("GET", "/agreement/standard", customers),
        ("GET", "/agreement/history", customers),
        ("GET", "/agreement/history/1", customers),
        ("GET", "/agreement/history/2", elsewhere),
        ("GET", "/agreement/export.json", customers),
        ("GET", "/agreement/export.csv?revision=2", elsewhere),
        ("GET", "/agreement/export.xml", elsewhere),
        ("GET", "/agreement/sign", signers),
        ("POST", "/agreement/sign", only("signatory", status=404)),  # no such document
        ("GET", "/agreement/sign/own", signers),
        ("POST", "/agreement/sign/own", only("signatory", status=404)),
        ("GET", f"/agreement/prepared/{w.prepared_b}.pdf", only("signatory", status=404)),
        ("GET", "/agreement/signed", customers),
        # Only B has signed agreement 1: A's users must not reach it.
        ("GET", "/agreement/signed/1", elsewhere),
        ("GET", "/agreement/signed/1/download", elsewhere),
        ("GET", "/agreement/signed/1/report", elsewhere),
        ("GET", "/verify", everyone),
        ("POST", "/verify", everyone),  # 200: the form asks for a file
        ("GET", f"/verify/{w.signed_b}", everyone),
        ("GET", "/verify/unknown-document", dict.fromkeys(ROLES, 404)),
        ("GET", "/subprocessors", everyone),
        ("GET", "/subprocessors.csv", everyone),
        ("GET", "/subprocessors.json", everyone),
        ("GET", "/subprocessors.xml", dict.fromkeys(ROLES, 404)),
        ("GET", "/subprocessors/feed.atom", everyone),
        # Following the register by e-mail: anyone, signed in or not. An empty form: 422.
        ("POST", "/subprocessors/subscribe", dict.fromkeys(ROLES, 422)),
        ("GET", "/subprocessors/confirm/not-a-token", dict.fromkeys(ROLES, 410)),
        ("POST", "/subprocessors/confirm/not-a-token", dict.fromkeys(ROLES, 410)),
        ("GET", "/subprocessors/unsubscribe/not-a-token", dict.fromkeys(ROLES, 410)),
        ("POST", "/subprocessors/unsubscribe/not-a-token", dict.fromkeys(ROLES, 410)),
        ("GET", "/agreement/subprocessors", customers),
        ("GET", "/agreement/subprocessors?format=json", customers),
        # Only B was notified of this announcement: A cannot object to it.
        ("GET", f"/agreement/subprocessors/{w.announcement}/object",
         only("privacy", status=404)),
        ("POST", f"/agreement/subprocessors/{w.announcement}/object",
         only("privacy", status=404)),
        # B's objection: every customer user reads its own (tests/views/
        # test_objection_follow_up.py), only a privacy contact adds to it or withdraws it.
        ("GET", f"/agreement/objections/{w.objection}", elsewhere),
        ("POST", f"/agreement/objections/{w.objection}/information",
         only("privacy", status=404)),
        ("POST", f"/agreement/objections/{w.objection}/withdraw", only("privacy", status=404)),
        ("POST", f"/agreement/subprocessors/{w.announcement}/acknowledge", elsewhere),
        ("GET", f"/staff/notices/announcement/{w.announcement}", staff),
        ("GET", f"/staff/notices/announcement/{w.announcement}/progress.json", staff),
        ("POST", f"/staff/notices/withdrawal/{w.announcement}/retry",
         only("staff", "staff_admin", status=302)),
        ("GET", "/staff/notices/breach/1", only("staff", "staff_admin", status=404)),
        ("GET", "/staff/subprocessors", staff),
        ("GET", "/staff/subprocessors/announce", staff),
        ("POST", "/staff/subprocessors/announce", staff),  # 200: the form's errors
        ("POST", "/staff/subprocessors/announce/preview", staff),  # 200: the form's errors
        ("GET", f"/staff/announcements/{w.announcement}", staff),
        ("GET", "/staff/announcements/9999", only("staff", "staff_admin", status=404)),
        ("POST", "/staff/announcements/9999/withdraw",
         only("staff", "staff_admin", status=404)),
        ("POST", f"/staff/objections/{w.objection}/status",  # allowed; empty form: 422
         only("staff", "staff_admin", status=422)),
        ("GET", "/pki/", everyone),
        ("GET", "/pki/root.crt", everyone),
        ("GET", "/pki/signing_ca.crl", everyone),
        ("GET", "/pki/seal.crl", dict.fromkeys(ROLES, 404)),
        ("POST", "/pki/ocsp", everyone),  # answers "malformed request" in OCSP, not in HTTP
        ("GET", "/pki/ocsp/MAo=", everyone),
        ("POST", "/pki/tsa", dict.fromkeys(ROLES, 415)),
        ("GET", "/pki/verify-kit.zip", everyone),  # a form post is no timestamp query
        ("GET", "/staff/", only("staff", "staff_admin", status=302)),
        ("GET", "/staff/customers", staff),
        ("GET", "/staff/customers?flag=sensitive", staff),
        ("GET", "/staff/customers?flag=overdue", staff),
        ("POST", f"/staff/customers/{a}/sign-by", only("staff", "staff_admin", status=302)),
        ("GET", f"/staff/customers/{b}/agreement/2", staff),
        ("GET", f"/staff/customers/{a}/agreement/2", only("staff", "staff_admin", status=404)),
        ("GET", f"/staff/customers/{b}/signed/1/download", staff),
        ("GET", f"/staff/customers/{a}/signed/1/download",
         only("staff", "staff_admin", status=404)),
        ("GET", "/staff/customers/new", staff),
        ("GET", f"/staff/customers/{b}", staff),
        ("GET", f"/staff/customers/{b}/access.csv", staff),
        ("GET", f"/staff/customers/{a}/edit", staff),
        ("POST", f"/staff/customers/{a}/invite", only("staff", "staff_admin", status=422)),
        ("GET", "/staff/staff-users", admins),
        ("POST", f"/staff/users/{mb}/role", only("staff", "staff_admin", status=302)),
        ("POST", f"/staff/users/{mb}/active", only("staff", "staff_admin", status=302)),
        ("POST", f"/staff/invitations/{w.inv_b.id}/resend",
         only("staff", "staff_admin", status=302)),
        ("POST", f"/staff/invitations/{w.inv_a.id}/revoke",
         only("staff", "staff_admin", status=302)),
        ("GET", "/staff/audit", staff),
        ("GET", "/staff/audit.csv", staff),
        ("POST", "/staff/alerts/1/acknowledge", only("staff", "staff_admin", status=404)),
        ("GET", "/staff/reviews", admins),
        ("POST", "/staff/reviews/draw", only("staff_admin", status=302)),
        ("GET", "/staff/reviews/1", admins),  # drawn by the row above (an empty month)
        ("POST", "/staff/reviews/1", only("staff_admin", status=302)),  # nothing to judge
        ("GET", "/staff/reviews/1.csv", admins),
        ("POST", "/staff/audit/verify", only("staff", "staff_admin", status=302)),
        # With MAIL_SERVER configured (as in tests) the development outbox does not exist.
        ("GET", "/staff/outbox", only("staff", "staff_admin", status=404)),
        ("GET", "/staff/outbox/1", only("staff", "staff_admin", status=404)),
    ]


def test_table_covers_every_route(app, world):
    covered = set()
    adapter = app.url_map.bind("localhost")
    for method, path, _expected in table(world):
        endpoint, _args = adapter.match(path.split("?")[0], method=method)
        covered.add(endpoint)
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routes - covered == set(), "routes without access rules in this table"


@pytest.mark.parametrize("role", ROLES)
def test_route_access_per_role(client, auth, world, role):
    if role != "anonymous":
        auth.login_user(getattr(world, role))
    mismatches = []
    for method, path, expected in table(world):
        want = expected[role]
        if method == "GET":
            response = client.get(path)
        else:
            token = csrf_token(client, "/" if role != "anonymous" else "/login")
            response = client.post(path, data={"csrf_token": token, "active": "1"})
        got = response.status_code
        response.get_data()
        response.close()  # ends streamed responses (CSV) and their request context
        if want == LOGIN:
            ok = got == 302 and "/login" in response.headers.get("Location", "")
        else:
            ok = got == want
        if not ok:
            mismatches.append(f"{method} {path}: expected {want}, got {got}")
        if role != "anonymous" and client.get("/").status_code != 200:
            auth.login_user(getattr(world, role), totp_offset=1)  # after POST /logout
    assert mismatches == []


def test_a_customer_probing_another_organizations_pages_is_logged_but_not_flooded(
        client, auth, world):
    auth.login_user(world.signatory)
    probe = f"/agreement/prepared/{world.prepared_b}.pdf"
    assert auth.client.get(probe).status_code == 404
    assert auth.client.get("/geen-pagina-van-het-portaal").status_code == 404  # a typo
    events = _refused(world.signatory)
    assert [(e["path"], e["status"]) for e in events] == [(probe, 404)]
    for n in range(access.PER_HOUR + 10):  # a scan
        auth.client.get(f"/agreement/prepared/VX-{n:05d}-SCAN.pdf")
    events = _refused(world.signatory)
    assert len(events) == access.PER_HOUR and events[-1]["last_this_hour"]
    # staff see it in the audit log with a readable label
    page = auth.another()
    page.login_user(world.staff_admin)
    assert "Toegang geweigerd" in page.client.get("/staff/audit").get_data(as_text=True)


def _refused(user) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "access.refused", AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.id).execution_options(unscoped=True))
    return [json.loads(row) for row in rows]
