"""Mail: real SMTP delivery after commit, the development outbox, nothing sent on rollback."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import OutboxMessage
from portal.services import accounts, mail
from portal.services.context import cli_actor
from tests.factories import ALL_ROLES


def test_mail_reaches_a_real_smtp_server_in_both_formats(app, db, create_org, create_user,
                                                         mailbox):
    email = create_user(create_org(), ALL_ROLES, name="Anna <b>Bold</b>").email
    accounts.request_password_reset(email, cli_actor())
    message = mailbox.last(email)
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = mailbox.text(message), mailbox.html(message)
    assert "http://portal.test/password/reset/" in text
    assert "Anna <b>Bold</b>" in text            # plain text is not HTML
    assert "Anna &lt;b&gt;Bold&lt;/b&gt;" in html  # HTML escapes names


def test_no_mail_is_sent_when_the_transaction_rolls_back(db, create_org, create_user, mailbox):
    user = create_user(create_org(), ALL_ROLES)
    db.session.commit()
    email = user.email
    mail.send("password_changed", email, "x", user=user)
    db.session.rollback()
    db.session.commit()
    assert mailbox.to(email) == []


def test_mail_in_the_users_language(db, create_org, create_user, mailbox):
    nl = create_user(create_org(), ALL_ROLES, locale="nl").email
    en = create_user(create_org(), ALL_ROLES, locale="en").email
    accounts.request_password_reset(nl, cli_actor())
    accounts.request_password_reset(en, cli_actor())
    assert mailbox.last(en)["Subject"] == "Reset your password"
    assert mailbox.last(nl)["Subject"] != "Reset your password"


def test_without_mail_server_mail_lands_in_the_outbox_for_staff(app, db, auth, create_org,
                                                                 create_user, create_staff,
                                                                 mailbox):
    app.config["MAIL_SERVER"] = None
    email = create_user(create_org(), ALL_ROLES).email
    accounts.request_password_reset(email, cli_actor())
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    staff = create_staff()
    assert mailbox.to(email) == []
    auth.login_user(staff)
    page = auth.client.get("/staff/outbox").get_data(as_text=True)
    assert email in page
    message_id = db.session.scalar(select(OutboxMessage.id))
    body = auth.client.get(f"/staff/outbox/{message_id}").get_data(as_text=True)
    assert "/password/reset/" in body
