"""AES-256-GCM keyring for data at rest, with key rotation."""

from __future__ import annotations

import base64

import pyotp
import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import OutboxMessage, User
from portal.services import agreements, mail, preparation, twofactor
from portal.services.context import cli_actor
from portal.services.encryption import Keyring, KeyringError, new_key_spec
from tests.factories import ALL_ROLES


def test_round_trip_and_tamper_detection():
    ring = Keyring.parse(new_key_spec("a"))
    blob = ring.encrypt(b"geheim", b"context")
    assert b"geheim" not in blob
    assert ring.decrypt(blob, b"context") == b"geheim"
    with pytest.raises(KeyringError):
        ring.decrypt(blob, b"other context")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(KeyringError):
        ring.decrypt(tampered, b"context")


def test_old_key_still_decrypts_and_rotate_moves_to_the_new_key():
    old = new_key_spec("old")
    blob = Keyring.parse(old).encrypt(b"x")
    ring = Keyring.parse(new_key_spec("new") + "," + old)
    assert ring.decrypt(blob) == b"x"
    rotated = ring.rotate(blob)
    assert ring.key_id_of(rotated) == "new"
    with pytest.raises(KeyringError, match="unknown encryption key"):
        Keyring.parse(old).decrypt(rotated)


@pytest.mark.parametrize("spec", ["", "nokey", "a:not-base64!", "a:" + "QUJD"])
def test_malformed_keyring_is_refused(spec):
    with pytest.raises((KeyringError, ValueError)):
        Keyring.parse(spec)


def test_cli_rotates_totp_secrets_to_a_new_key(app, db, runner, create_org, create_user):
    old = new_key_spec("old")
    app.config["ENCRYPTION_KEYS"] = old
    user = create_user(create_org(), ALL_ROLES, totp=True)
    secret = user.totp_plain
    db.session.commit()  # the command reads the database
    # restarted with a new key in front of the old one
    app.config["ENCRYPTION_KEYS"] = new_key_spec("new") + "," + old
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "re-encrypted 1" in result.output
    db.session.expire_all()  # the command re-encrypted the stored secret
    stored = db.session.scalar(select(User.totp_secret))
    assert Keyring.parse(new_key_spec("x") + "," + app.config[
        "ENCRYPTION_KEYS"]).key_id_of(stored) == "new"
    user = db.session.scalar(select(User))
    assert twofactor.verify(user, pyotp.TOTP(secret).now()) == "totp"


def test_choices_prepared_documents_and_the_outbox_are_encrypted_at_rest_and_rotate(
        app, db, runner, customer, create_revision):
    old = new_key_spec("old")
    app.config.update(ENCRYPTION_KEYS=old, MAIL_SERVER="")  # mail kept in the outbox
    create_revision(customer.org, customer.owner)
    prepared = preparation.prepare(customer.org, customer.owner, cli_actor("test"))
    mail.send("password_changed", "fg@example.com", "Uw wachtwoord", user=customer.owner)
    db.session.commit()
    stored = _raw()
    assert len(stored) == 4 and all(v.startswith("enc:") for v in stored.values())
    assert not any(secret in v for v in stored.values()
                   for secret in ("fg@example.com", "Petra Jansen", "Functionaris"))
    # read through the models, everything is as written
    rev = agreements.latest_revision(customer.org)
    assert rev.choices.breach_contact.email == "fg@example.com"
    assert "Petra Jansen" in preparation.frozen_of(prepared).signatory.name
    assert "Petra Jansen" in db.session.scalar(select(OutboxMessage.text_body))
    # a value written before encryption reads as it is, and rotation seals it too
    db.session.execute(text("UPDATE outbox_messages SET html_body = '<p>oud</p>'"))
    db.session.commit()
    assert db.session.scalar(select(OutboxMessage.html_body)) == "<p>oud</p>"
    app.config["ENCRYPTION_KEYS"] = new_key_spec("new") + "," + old
    result = runner.invoke(args=["keys", "rotate"])
    assert "re-encrypted 4 database value(s)" in result.output, result.output
    db.session.expire_all()
    ring = Keyring.parse(app.config["ENCRYPTION_KEYS"])
    for value in _raw().values():
        assert ring.key_id_of(base64.b64decode(value[4:])) == "new"
    assert db.session.scalar(select(OutboxMessage.html_body)) == "<p>oud</p>"
    assert agreements.latest_revision(customer.org).choices.breach_contact.email == \
        "fg@example.com"


def _raw() -> dict[str, str]:
    return {name: db.session.execute(text(f"SELECT {column} FROM {table}")).scalar_one()  # noqa: S608 - fixed names
            for name, table, column in (
                ("choices", "choice_revisions", "choices_json"),
                ("prepared", "prepared_documents", "content"),
                ("text", "outbox_messages", "text_body"),
                ("html", "outbox_messages", "html_body"))}
