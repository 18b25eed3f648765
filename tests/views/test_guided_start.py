"""A new customer's start page leads through choices, review and signing, with the date Voxio
asked it to sign by; staff set that date and see who is past it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, format_date
from freezegun import freeze_time
from sqlalchemy import select

from portal.models import AuditEvent, CustomerRole, Organization, Role, utcnow
from portal.services import preparation, signing
from portal.services.context import Actor
from tests.factories import ALL_ROLES, MEMBER

ACTOR = Actor(label_override="test")


@pytest.fixture
def newcomer(db, create_org, create_user, create_staff):
    """A new customer without choices: an owner, a signatory and a member; Voxio staff."""
    org = create_org("Nieuw B.V.")
    return dict(
        org=org,
        owner=create_user(org, (CustomerRole.OWNER,), email="olga@nieuw.nl",
                          name="Olga Eigenaar"),
        signatory=create_user(org, (CustomerRole.SIGNATORY,), email="sam@nieuw.nl",
                              name="Sam Tekenaar"),
        member=create_user(org, MEMBER, email="mila@nieuw.nl", name="Mila Lid"),
        staff=create_staff(Role.STAFF, email="support@voxio.nl"),
    )


def _current_step(page: str) -> str | None:
    """The text of the step marked as the current one, if any."""
    found = re.search(r'<li[^>]*aria-current="step"[^>]*>(.*?)</li>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found \
        else None


def _nl(day) -> str:
    with force_locale("nl"):
        return format_date(day, "long")


def _sign(org, user):
    prepared = preparation.prepare(org, user, ACTOR)
    signing.sign(prepared, signing.Confirmation(prepared.signatory_name,
                                                prepared.signatory_function, True),
                 user, None, ACTOR)


def test_the_dashboard_shows_the_next_step_and_the_date_to_sign_by(
        db, auth, newcomer, create_revision):
    org = newcomer["org"]
    staff, owner, signer, member = (auth, auth.another(), auth.another(), auth.another())
    staff.login_user(newcomer["staff"])
    due = utcnow().date() + timedelta(days=20)
    assert staff.post(f"/staff/customers/{org.id}/sign-by", {"sign_by": due.isoformat()},
                      token_from=f"/staff/customers/{org.id}").status_code == 302
    owner.login_user(newcomer["owner"])
    signer.login_user(newcomer["signatory"])
    member.login_user(newcomer["member"])

    page = owner.client.get("/").get_data(as_text=True)
    assert _current_step(page) == "1 Keuzes nu aan de beurt"
    assert f"Onderteken uiterlijk {_nl(due)}." in page
    assert 'class="button" href="/agreement/choices">Maak uw keuzes<' in page
    page = member.client.get("/").get_data(as_text=True)
    assert "Maak uw keuzes<" not in page  # a member reads only: it is told whom to ask
    assert ("Vraag een eigenaar, ondertekenaar of privacycontact van uw organisatie de keuzes "
            "te maken: Olga Eigenaar, Sam Tekenaar.") in page

    create_revision(org, newcomer["owner"])
    page = signer.client.get("/").get_data(as_text=True)
    assert _current_step(page) == "2 Nalezen nu aan de beurt"
    assert "1 Keuzes klaar" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert 'class="button" href="/agreement/sign">Nalezen en ondertekenen<' in page
    page = member.client.get("/").get_data(as_text=True)
    assert 'class="button" href="/agreement/preview"' in page
    assert "Vraag een ondertekenaar van uw organisatie om te ondertekenen: Sam Tekenaar." in page

    assert signer.client.get("/agreement/sign").status_code == 200  # reviewed for signing
    page = signer.client.get("/").get_data(as_text=True)
    assert _current_step(page) == "3 Ondertekenen nu aan de beurt"
    assert 'class="button" href="/agreement/sign">Overeenkomst ondertekenen<' in page
    assert "Sam Tekenaar" in member.client.get("/").get_data(as_text=True)

    _sign(org, newcomer["signatory"])
    page = owner.client.get("/").get_data(as_text=True)
    assert _current_step(page) is None and "Ondertekend op" in page
    assert "Onderteken uiterlijk" not in page


def test_the_dashboard_says_when_signing_is_overdue(db, auth, newcomer):
    org = newcomer["org"]
    org.sign_by = utcnow().date() + timedelta(days=1)
    db.session.commit()
    auth.login_user(newcomer["owner"])
    assert "te laat" not in auth.client.get("/").get_data(as_text=True)
    with freeze_time(timedelta(days=3)):
        auth.login_user(newcomer["owner"])
        page = auth.client.get("/").get_data(as_text=True)
    assert '<span class="badge badge--flag">te laat</span>' in page
    assert f"Voxio heeft u gevraagd uiterlijk {_nl(org.sign_by)} te ondertekenen. Die datum " \
           "is verstreken" in page


def test_staff_set_and_clear_the_date_to_sign_by(db, auth, newcomer):
    org = newcomer["org"]
    auth.login_user(newcomer["staff"])
    path, page = f"/staff/customers/{org.id}/sign-by", f"/staff/customers/{org.id}"
    past = auth.post(path, {"sign_by": (utcnow().date() - timedelta(days=1)).isoformat()},
                     token_from=page)
    assert past.status_code == 422
    assert 'id="sign_by-error"' in past.get_data(as_text=True)
    assert "Kies vandaag of een latere datum." in past.get_data(as_text=True)
    due = utcnow().date() + timedelta(days=30)
    done = auth.post(path, {"sign_by": due.isoformat()}, token_from=page, follow_redirects=True)
    assert f"De klant wordt gevraagd uiterlijk {_nl(due)} te ondertekenen." in \
        done.get_data(as_text=True)
    assert db.session.get(Organization, org.id).sign_by == due
    cleared = auth.post(path, {"sign_by": ""}, token_from=page, follow_redirects=True)
    assert "Geen datum ingesteld" in cleared.get_data(as_text=True)
    assert db.session.get(Organization, org.id).sign_by is None
    events = db.session.execute(select(AuditEvent.action, AuditEvent.details).where(
        AuditEvent.organization_id == org.id, AuditEvent.action.startswith("organization.sign_by"))
        .order_by(AuditEvent.seq)).all()
    assert [(action, json.loads(details)) for action, details in events] == [
        ("organization.sign_by_set", {"from": None, "to": due.isoformat()}),
        ("organization.sign_by_cleared", {"from": due.isoformat(), "to": None})]
    log = auth.client.get(f"/staff/audit?organization={org.id}").get_data(as_text=True)
    assert "Uiterste datum voor ondertekening ingesteld" in log


def test_staff_see_customers_that_are_past_their_sign_by_date(
        db, auth, create_org, create_user, create_staff, create_revision):
    today = utcnow().date()
    late = create_org("Laat B.V.", sign_by=today - timedelta(days=3))
    early = create_org("Op Tijd B.V.", sign_by=today + timedelta(days=10))
    signed = create_org("Getekend B.V.", sign_by=today - timedelta(days=3))
    create_org("Zonder Datum B.V.")
    signer = create_user(signed, ALL_ROLES)
    create_revision(signed, signer)
    _sign(signed, signer)
    auth.login_user(create_staff(Role.STAFF))
    page = auth.client.get("/staff/customers?flag=overdue").get_data(as_text=True)
    assert late.name in page and '<span class="badge badge--flag">te laat</span>' in page
    assert early.name not in page and signed.name not in page and "Zonder Datum" not in page
    assert "1 klant" in page
    everyone = auth.client.get("/staff/customers").get_data(as_text=True)
    assert everyone.count("ondertekenen uiterlijk") == 2  # the late and the early one
    assert everyone.count("te laat</span>") == 1
    dashboard = auth.client.get("/").get_data(as_text=True)
    assert ('href="/staff/customers?flag=overdue"><span class="stat-number">1</span>'
            in dashboard)
