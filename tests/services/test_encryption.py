"""AES-256-GCM keyring for data at rest, with key rotation."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from portal.models import Role, User
from portal.services import twofactor
from portal.services.encryption import Keyring, KeyringError, new_key_spec


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
    user = create_user(create_org(), Role.CUSTOMER_OWNER, totp=True)
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
