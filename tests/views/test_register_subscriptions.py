"""Following the public register by e-mail, through the pages: the form on /subprocessors, the
confirmation page behind the e-mailed link, one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import json

from sqlalchemy import select

from portal.models import AuditEvent, RegisterSubscription, Role
from portal.services import subscriptions
from portal.services.context import Actor
from tests.helpers import CSRF_RE, AuthActions, csrf_token, make_app


def subscribe(client, email: str, locale: str = "nl"):
    return client.post("/subprocessors/subscribe", data={
        "csrf_token": csrf_token(client, "/subprocessors"), "email": email, "locale": locale})


def confirm_link(client, mailbox, email: str) -> str:
    assert subscribe(client, email).status_code == 302
    return mailbox.link(email, "/subprocessors/confirm/")


def subscription(db, email: str) -> RegisterSubscription:
    return db.session.scalar(select(RegisterSubscription)
                             .where(RegisterSubscription.email == email)
                             .execution_options(populate_existing=True))


def active_subscriber(db, client, mailbox, email: str) -> str:
    """Subscribe and confirm through the pages; the path of the unsubscribe link."""
    link = confirm_link(client, mailbox, email)
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 302
    return subscriptions.unsubscribe_url(subscription(db, email)).split("portal.test", 1)[1]


def test_subscription_is_active_only_after_the_confirmation_link_is_confirmed(
        db, client, mailbox):
    page = client.get("/subprocessors").get_data(as_text=True)
    assert 'action="/subprocessors/subscribe"' in page
    assert '<label for="email">E-mailadres</label>' in page
    assert "<legend>Taal van de e-mails</legend>" in page
    assert 'value="nl" checked' in page  # the page's language by default
    response = subscribe(client, "lezer@example.nl", "en")
    assert response.status_code == 302 and response.headers["Location"] == "/subprocessors"
    assert "Kijk in uw mailbox van lezer@example.nl" in client.get("/subprocessors").get_data(
        as_text=True)
    assert not subscription(db, "lezer@example.nl").active
    link = mailbox.link("lezer@example.nl", "/subprocessors/confirm/")
    confirm_page = client.get(link).get_data(as_text=True)
    assert "lezer@example.nl" in confirm_page and "Abonnement bevestigen" in confirm_page
    assert not subscription(db, "lezer@example.nl").active
    done = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert done.status_code == 302
    assert subscription(db, "lezer@example.nl").active
    assert subscription(db, "lezer@example.nl").locale == "en"
    assert "Aangemeld." in client.get("/subprocessors").get_data(as_text=True)
    assert client.get(link).status_code == 410  # used


def test_a_link_opened_by_a_mail_scanner_does_not_confirm(app, db, client, mailbox):
    link = confirm_link(client, mailbox, "lezer@example.nl")
    scanner = app.test_client()  # no session, follows and pre-fetches links
    for _ in range(3):
        assert scanner.get(link).status_code == 200
    assert scanner.head(link).status_code == 200
    assert scanner.post(link).status_code == 400  # a form sent without the page's token
    assert not subscription(db, "lezer@example.nl").active
    assert subscriptions.subscriber_count() == 0


def test_subscribe_does_not_reveal_whether_an_address_is_already_subscribed(
        app, db, client, mailbox):
    active_subscriber(db, client, mailbox, "bekend@example.nl")
    confirm_link(app.test_client(), mailbox, "wacht@example.nl")  # asked, not confirmed

    def answer(email: str) -> tuple:
        for row in db.session.scalars(select(RegisterSubscription)):
            row.mailed_at -= subscriptions.RESEND_AFTER  # past the pacing of e-mails
        visitor = app.test_client()
        response = subscribe(visitor, email)
        page = visitor.get("/subprocessors").get_data(as_text=True).replace(email, "ADRES")
        return response.status_code, response.headers["Location"], CSRF_RE.sub("", page)

    before = {email: len(mailbox.to(email))
              for email in ("bekend@example.nl", "wacht@example.nl", "nieuw@example.nl")}
    answers = {answer(email) for email in before}
    assert len(answers) == 1  # the same status, redirect and page for all three
    for email, count in before.items():
        assert len(mailbox.to(email)) == count + 1  # each got one e-mail
    reminder = mailbox.last("bekend@example.nl")
    assert reminder["List-Unsubscribe"] and "/subprocessors/unsubscribe/" in mailbox.text(
        reminder)
    assert "/subprocessors/confirm/" in mailbox.text(mailbox.last("nieuw@example.nl"))


def test_one_click_unsubscribe_post_needs_no_session_or_form(app, db, client, mailbox):
    path = active_subscriber(db, client, mailbox, "lezer@example.nl")
    mail_program = app.test_client()  # RFC 8058: a POST with this body, no cookies, no token
    response = mail_program.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert subscription(db, "lezer@example.nl").unsubscribed_at is not None
    assert mail_program.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    ended = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "subscription.ended")).all()
    assert [json.loads(e.details) for e in ended] == [{"via": "one-click"}]  # once
    assert mail_program.post("/subprocessors/unsubscribe/not-a-token").status_code == 410


def test_an_unsubscribe_link_opened_in_a_browser_asks_before_unsubscribing(
        db, client, mailbox):
    path = active_subscriber(db, client, mailbox, "lezer@example.nl")
    page = client.get(path).get_data(as_text=True)
    assert '<form method="post">' in page and ">Afmelden</button>" in page
    assert subscription(db, "lezer@example.nl").active
    done = client.post(path)  # the page's button: no CSRF token needed either
    assert "U bent afgemeld" in done.get_data(as_text=True)
    assert not subscription(db, "lezer@example.nl").active
    assert "U bent afgemeld" in client.get(path).get_data(as_text=True)


def test_an_invalid_address_is_shown_at_its_field_and_nothing_is_sent(db, client, mailbox):
    response = subscribe(client, "geen adres")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and 'aria-describedby="email-error"' in page
    assert 'aria-invalid="true"' in page and 'href="#email"' in page
    assert 'value="geen adres"' in page  # what was typed stays
    assert db.session.scalar(select(RegisterSubscription)) is None
    assert mailbox.messages == []


def test_only_the_unsubscribe_link_goes_without_a_csrf_token(db, client, mailbox):
    refused = client.post("/subprocessors/subscribe", data={"email": "lezer@example.nl"})
    assert refused.status_code == 400
    link = confirm_link(client, mailbox, "lezer@example.nl")
    assert client.post(link).status_code == 400
    assert not subscription(db, "lezer@example.nl").active


def test_the_subscribe_form_is_rate_limited_per_ip_apart_from_signing_in(database_url,
                                                                          tmp_path):
    app = make_app(database_url, tmp_path, SUBSCRIBE_RATE_LIMIT="2 per minute",
                   LOGIN_RATE_LIMIT="2 per minute")
    visitor = app.test_client()
    codes = [subscribe(visitor, f"lezer{n}@example.nl").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    login = visitor.post("/login", data={"csrf_token": csrf_token(visitor, "/login"),
                                         "email": "x@example.nl", "password": "fout"})
    assert login.status_code != 429  # subscribing used none of the sign-in attempts


def test_staff_see_how_many_people_follow_the_register(app, db, client, mailbox, create_staff):
    active_subscriber(db, client, mailbox, "lezer@example.nl")
    subscriptions.subscribe("wacht@example.nl", "nl", Actor(label_override="test"))
    staff = AuthActions(app.test_client(), app)
    staff.login_user(create_staff(Role.STAFF))
    page = staff.client.get("/staff/subprocessors").get_data(as_text=True)
    assert "1 persoon volgt de wijzigingen van het openbare register per e-mail." in page
