"""Signing in and out, backoff, reset, invitations, two-step verification, sessions."""

from __future__ import annotations

import html
import time
from datetime import timedelta

import pyotp
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Invitation, Role, User, UserSession
from tests.factories import ALL_ROLES, MEMBER, PASSWORD, totp_now
from tests.helpers import CSRF_RE, AuthActions, csrf_token, make_app


@pytest.fixture
def user(create_org, create_user):
    """The owner of an organization of their own."""
    return create_user(create_org(), ALL_ROLES)


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- login ---------------------------------------------------------------------------------

def test_owner_signs_in_and_sees_dashboard(db, client, auth, user):
    response = auth.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert user.name in page
    assert len(_events("auth.login")) == 1


def test_email_is_case_insensitive(auth, user):
    assert auth.login(user.email.upper()).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(db, client, auth, user):
    wrong = auth.login(user.email, "this is not the right password")
    unknown = auth.login("nobody@example.com", "this is not the right password")
    assert wrong.status_code == unknown.status_code == 200
    strip = lambda html: html.replace(user.email, "X").replace("nobody@example.com", "X")  # noqa: E731
    assert strip(wrong.get_data(as_text=True)).split("<main")[1].split("csrf_token")[0] == \
        strip(unknown.get_data(as_text=True)).split("<main")[1].split("csrf_token")[0]
    assert "E-mailadres of wachtwoord is onjuist" in wrong.get_data(as_text=True) or \
        "E-mail address or password is incorrect" in wrong.get_data(as_text=True)
    assert len(_events("auth.login_failed")) == 2


def test_failed_login_keeps_the_typed_email(auth, user):
    page = auth.login(user.email, "wrong wrong wrong wrong").get_data(as_text=True)
    assert f'value="{user.email}"' in page


def test_backoff_locks_after_repeated_failures_even_with_the_right_password(app, auth, user):
    for _ in range(app.config["LOGIN_BACKOFF_FREE_ATTEMPTS"] + 1):
        auth.login(user.email, "wrong password attempt")
    response = auth.login(user.email)  # correct password, but locked
    assert response.status_code == 200
    assert "minu" in response.get_data(as_text=True)  # "Try again in N minute(s)"
    with freeze_time(timedelta(minutes=20)):
        assert auth.login(user.email).status_code == 302


def test_backoff_applies_to_unknown_addresses_too(app, auth):
    for _ in range(app.config["LOGIN_BACKOFF_FREE_ATTEMPTS"] + 1):
        auth.login("ghost@example.com", "wrong password attempt")
    page = auth.login("ghost@example.com", "wrong password attempt").get_data(as_text=True)
    assert "minu" in page


def test_login_rate_limit_is_shared_and_answers_429(database_url, tmp_path, smtp_server):
    app = make_app(database_url, tmp_path, LOGIN_RATE_LIMIT="3 per minute",
                   MAIL_SERVER=smtp_server.hostname, MAIL_PORT=smtp_server.port)
    # Two clients stand for two worker processes: the counter lives in the database.
    first, second = AuthActions(app.test_client(), app), AuthActions(app.test_client(), app)
    codes = [first.login("a@example.com", "x" * 16).status_code,
             second.login("b@example.com", "x" * 16).status_code,
             first.login("c@example.com", "x" * 16).status_code,
             second.login("d@example.com", "x" * 16).status_code]
    assert codes == [200, 200, 200, 429]


def test_inactive_user_cannot_sign_in(db, auth, user):
    user.active = False
    db.session.commit()
    assert auth.login(user.email).status_code == 200


def test_next_parameter_only_redirects_to_local_paths(client, user):
    for target, expected in [
        ("/account/", "/account/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        token = csrf_token(client)
        response = client.post(f"/login?next={target}", data={
            "csrf_token": token, "email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == expected, target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


# --- sessions ------------------------------------------------------------------------------

def test_cookie_copied_before_logout_is_refused_after_it(app, client, auth, user):
    auth.login(user.email)
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_session_cookie_changes_at_login(db, client, auth, user):
    client.get("/login")
    before = client.get_cookie("session").value
    auth.login(user.email)
    assert client.get_cookie("session").value != before
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))


def test_idle_timeout_ends_the_session(app, client, auth, user):
    auth.login(user.email)
    with freeze_time(timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)):
        assert client.get("/").status_code == 302


def test_absolute_timeout_ends_an_active_session(app, client, auth, user):
    auth.login(user.email)
    hours = app.config["SESSION_MAX_HOURS"]
    for minutes in range(20, hours * 60 + 20, 20):  # active every 20 minutes
        with freeze_time(timedelta(minutes=minutes)):
            response = client.get("/")
    assert response.status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(auth, mailbox, user):
    other = auth.another()
    other.login(user.email)
    auth.login(user.email)
    new = "een nieuw en lang wachtwoord voor mij"
    response = auth.post("/account/password", {"current_password": PASSWORD, "password": new},
                         token_from="/account/password")
    assert response.status_code == 302
    assert auth.client.get("/").status_code == 200
    assert other.client.get("/").status_code == 302
    assert "wachtwoord" in mailbox.last(user.email)["Subject"].lower() or \
        "password" in mailbox.last(user.email)["Subject"].lower()


def test_password_change_reports_every_problem_at_once(auth, user):
    auth.login(user.email)
    page = auth.post("/account/password", {"current_password": "niet mijn wachtwoord",
                                           "password": "kort"},
                     token_from="/account/password").get_data(as_text=True)
    assert 'id="current_password-error"' in page and 'id="password-error"' in page


@pytest.mark.parametrize(("colleague_role", "change", "page", "then"), [
    (MEMBER, ("active", {"active": "0"}), "/", 302),
    (ALL_ROLES, ("role", {"roles": ["signatory"]}), "/organization/invite", 403),
], ids=["deactivation-ends-all-sessions-at-once", "a-role-change-applies-on-the-next-request"])
def test_access_changes_apply_to_the_other_sessions_on_their_next_request(
        auth, user, create_user, colleague_role, change, page, then):
    colleague = create_user(user.organization, colleague_role)
    colleague_browser = auth.another()
    colleague_browser.login(colleague.email)
    assert colleague_browser.client.get(page).status_code == 200
    auth.login(user.email)
    setting, form = change
    auth.post(f"/organization/members/{colleague.id}/{setting}", form)
    assert colleague_browser.client.get(page).status_code == then


def test_user_can_sign_out_other_sessions(auth, user):
    other = auth.another()
    other.login(user.email)
    auth.login(user.email)
    page = auth.client.get("/account/sessions").get_data(as_text=True)
    assert page.count("<tr>") >= 3  # header + two sessions
    auth.post("/account/sessions", token_from="/account/sessions")
    assert other.client.get("/").status_code == 302
    assert auth.client.get("/").status_code == 200


# --- password reset ------------------------------------------------------------------------

def test_password_reset_link_works_once(client, auth, mailbox, user):
    response = client.post("/password/forgot", data={
        "csrf_token": csrf_token(client, "/password/forgot"), "email": user.email})
    assert response.status_code == 302
    link = mailbox.link(user.email, "/password/reset/")
    new = "mijn nieuwe wachtwoord is lekker lang"
    response = client.post(link, data={"csrf_token": csrf_token(client, link), "password": new})
    assert response.status_code == 302
    assert auth.login(user.email, new).status_code == 302
    auth.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert auth.login(user.email).status_code == 200  # old password is gone


def _request_reset(client, mailbox, email: str) -> str:
    client.post("/password/forgot", data={
        "csrf_token": csrf_token(client, "/password/forgot"), "email": email})
    return mailbox.link(email, "/password/reset/")


def test_only_the_newest_reset_link_works(client, mailbox, user):
    first = _request_reset(client, mailbox, user.email)
    second = _request_reset(client, mailbox, user.email)
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_a_password_change_voids_a_reset_link_sent_before(auth, mailbox, user):
    link = _request_reset(auth.another().client, mailbox, user.email)
    auth.login(user.email)
    changed = auth.post("/account/password", {"current_password": PASSWORD,
                                              "password": "een heel ander lang wachtwoord"},
                        token_from="/account/password")
    assert changed.status_code == 302
    assert auth.another().client.get(link).status_code == 410


def test_password_reset_answers_the_same_for_unknown_addresses(client, mailbox, user):
    pages = []
    for email in (user.email, "nobody@example.com"):
        response = client.post("/password/forgot", data={
            "csrf_token": csrf_token(client, "/password/forgot"), "email": email},
            follow_redirects=True)
        pages.append(response.get_data(as_text=True).replace(email, "X"))
    assert pages[0].split("<main")[1].split("csrf_token")[0] == \
        pages[1].split("<main")[1].split("csrf_token")[0]
    assert len(mailbox.to(user.email)) == 1 and len(mailbox.messages) == 1


def test_password_reset_link_expires_after_an_hour(client, mailbox, user):
    client.post("/password/forgot", data={
        "csrf_token": csrf_token(client, "/password/forgot"), "email": user.email})
    link = mailbox.link(user.email, "/password/reset/")
    assert client.get(link).status_code == 200
    with freeze_time(timedelta(minutes=61)):
        assert client.get(link).status_code == 410


def test_reset_link_uses_the_public_url_not_the_host_header(client, mailbox, user):
    evil = "http://evil.example"
    page = client.get("/password/forgot", base_url=evil).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    client.post("/password/forgot", base_url=evil, data={"csrf_token": token, "email": user.email})
    text = mailbox.text(mailbox.last(user.email))
    assert "http://portal.test/password/reset/" in text
    assert "evil.example" not in text


def test_weak_new_password_is_refused_with_a_reason(client, mailbox, user):
    client.post("/password/forgot", data={
        "csrf_token": csrf_token(client, "/password/forgot"), "email": user.email})
    link = mailbox.link(user.email, "/password/reset/")
    for weak in ("short", "passwordpassword", "123456789012345"):
        page = client.post(link, data={"csrf_token": csrf_token(client, link),
                                       "password": weak}).get_data(as_text=True)
        assert 'aria-invalid="true"' in page, weak


# --- invitations ---------------------------------------------------------------------------

def test_staff_invites_first_owner_who_sets_a_password(db, client, auth, create_staff, mailbox):
    staff = create_staff()
    auth.login_user(staff)
    response = auth.post("/staff/customers/new", {
        "name": "Nieuwe Klant B.V.", "kvk_number": "11223344", "customer_number": "VX-555",
        "address": "Weg 1", "postal_code": "1111 AA", "city": "Delft", "country": "NL",
        "owner_name": "Eva Eigenaar", "owner_email": "Eva@Nieuw.example",
    }, token_from="/staff/customers/new")
    assert response.status_code == 302
    auth.logout()
    link = mailbox.link("eva@nieuw.example", "/invitation/")
    text = mailbox.text(mailbox.last("eva@nieuw.example"))
    assert "van Nieuwe Klant B.V., waar" in text
    assert "Eigenaar: beheert wie toegang heeft" in text and "Ondertekenaar: ondertekent" in text
    assert "Privacycontact: ontvangt elk bericht" in text
    page = client.get(link).get_data(as_text=True)
    assert "Nieuwe Klant B.V." in page and "B.V.." not in page  # no double full stop
    response = client.post(link, data={"csrf_token": csrf_token(client, link),
                                       "name": "Eva Eigenaar",
                                       "password": "de zon schijnt op het water"})
    assert response.status_code == 302
    assert client.get("/organization/").status_code == 200
    assert client.get(link).status_code == 410  # used
    eva = db.session.scalar(select(User).where(User.email == "eva@nieuw.example"))
    assert eva.role == Role.CUSTOMER and eva.ordered_roles == list(ALL_ROLES)


def test_invitation_expires(app, client, auth, mailbox, user):
    auth.login(user.email)
    auth.post("/organization/invite", {"name": "Kees", "email": "kees@example.com"},
              token_from="/organization/invite")
    auth.logout()
    link = mailbox.link("kees@example.com", "/invitation/")
    with freeze_time(timedelta(days=app.config["INVITATION_DAYS"], minutes=1)):
        assert client.get(link).status_code == 410


def test_member_cannot_invite(db, auth, create_org, create_user):
    member = create_user(create_org(), MEMBER)
    auth.login(member.email)
    response = auth.post("/organization/invite", {"name": "X", "email": "x@example.com",
                                                  "roles": ["owner"]})
    assert response.status_code == 403
    assert db.session.scalar(select(Invitation)) is None


# --- two-step verification -----------------------------------------------------------------

def _enrol(client, auth):
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    secret = page.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")
    code = pyotp.TOTP(secret).now()
    page = auth.post("/account/two-factor/setup", {"code": code},
                     token_from="/account/two-factor/setup").get_data(as_text=True)
    codes = [c.split("<")[0] for c in page.split("<li><code>")[1:]]
    return secret, codes


def test_totp_enrol_then_sign_in_with_code_and_with_recovery_code(db, client, auth, user):
    auth.login(user.email)
    secret, codes = _enrol(client, auth)
    assert len(codes) == 10
    auth.logout()

    first = auth.login(user.email)
    assert first.headers["Location"].endswith("/login/verify")
    bad = client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                             "code": "000000"})
    assert bad.status_code == 200
    good = client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                              "code": pyotp.TOTP(secret).at(
                                                  time.time() + 30)})
    assert good.status_code == 302
    auth.logout()

    auth.login(user.email)
    used = client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                              "code": codes[0]})
    assert used.status_code == 302
    auth.logout()
    auth.login(user.email)
    again = client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                               "code": codes[0]})
    assert again.status_code == 200  # a recovery code works once
    assert _events("auth.recovery_code_used")


def test_totp_code_cannot_be_replayed(client, auth, user):
    auth.login(user.email)
    secret, _codes = _enrol(client, auth)
    auth.logout()
    code = pyotp.TOTP(secret).at(time.time() + 30)
    auth.login(user.email)
    assert client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                              "code": code}).status_code == 302
    auth.logout()
    auth.login(user.email)
    again = client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                               "code": code})
    assert again.status_code == 200
    assert "zojuist gebruikt" in again.get_data(as_text=True)  # not "check your clock"
    wrong = client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                               "code": "000000" if code != "000000" else "111111"})
    assert "niet geldig" in wrong.get_data(as_text=True)


def test_staff_must_enrol_totp_before_anything_else(client, auth, create_staff):
    staff = create_staff(totp=False)
    auth.login(staff.email)
    response = client.get("/staff/customers")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/two-factor/setup")
    _enrol(client, auth)
    assert client.get("/staff/customers").status_code == 200


def test_step_up_asks_for_password_and_code_after_five_minutes(client, auth, create_org,
                                                               create_user):
    user = create_user(create_org(), ALL_ROLES, totp=True)
    auth.login(user.email, code=totp_now(user))
    with freeze_time(timedelta(minutes=6)):
        response = auth.post("/account/two-factor/recovery-codes",
                             token_from="/account/two-factor",
                             headers={"Referer": "http://localhost/account/two-factor"})
        assert response.status_code == 302
        assert "/confirm" in response.headers["Location"]
        token = csrf_token(client, "/confirm")
        wrong = client.post("/confirm?next=/account/two-factor", data={
            "csrf_token": token, "password": PASSWORD, "code": "000000"})
        assert wrong.status_code == 200
        right = client.post("/confirm?next=/account/two-factor", data={
            "csrf_token": token, "password": PASSWORD, "code": totp_now(user, 1)})
        assert right.headers["Location"] == "/account/two-factor"
        response = auth.post("/account/two-factor/recovery-codes",
                             token_from="/account/two-factor")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("<li><code>") == 10


def test_a_profile_save_from_an_older_tab_keeps_the_newer_name_unless_both_changed_it(
        auth, user):
    auth.login(user.email)

    def opened() -> str:
        page = auth.client.get("/account/").get_data(as_text=True)
        return html.unescape(page.split('name="opened"')[1].split('value="')[1].split('"')[0])

    first, second = opened(), opened()
    assert auth.post("/account/", {"name": "Petra de Vries", "locale": "nl", "opened": first},
                     token_from="/account/").status_code == 302
    # the older tab changes the language only: the newer name stays
    assert auth.post("/account/", {"name": user.name, "locale": "en", "opened": second},
                     token_from="/account/").status_code == 302
    page = auth.client.get("/account/").get_data(as_text=True)
    assert "Petra de Vries" in page
    third, fourth = opened(), opened()
    auth.post("/account/", {"name": "Petra J.", "locale": "en", "opened": third},
              token_from="/account/")
    stale = auth.post("/account/", {"name": "P. Jansen", "locale": "en", "opened": fourth},
                      token_from="/account/")
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Petra J." in page and 'value="P. Jansen"' in page
