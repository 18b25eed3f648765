"""TOTP two-factor authentication (RFC 6238) with one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import RecoveryCode, User, utcnow
from portal.services import ServiceError, audit
from portal.services.context import Actor
from portal.services.encryption import app_keyring as keyring

ISSUER = "Voxio DPA"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy from paper


def _aad(user: User) -> bytes:
    # Binds the ciphertext to its user: a secret copied onto another row will not decrypt.
    return f"totp:{user.id}".encode()


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111", light="#fff")


def _secret(user: User) -> str:
    return keyring().decrypt(user.totp_secret, _aad(user)).decode()


def _match_totp(secret: str, code: str, after_step: int | None, now: datetime) -> int | None:
    """The time step ``code`` belongs to (±1 step for clock drift), if unused."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _clean_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hashlib.sha256(_clean_code(code).encode()).hexdigest()


def verify(user: User, code: str, now: datetime | None = None) -> str | None:
    """Accept a fresh TOTP code or an unused recovery code; returns which, or None."""
    if not user.has_totp:
        return None
    now = now or utcnow()
    cleaned = _clean_code(code)
    if cleaned.isdigit() and len(cleaned) == 6:
        step = _match_totp(_secret(user), cleaned, user.totp_last_step, now)
        if step is None:
            return None
        user.totp_last_step = step
        db.session.flush()
        return "totp"
    if len(cleaned) == 12:
        row = db.session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(cleaned),
            RecoveryCode.used_at.is_(None),
        ))
        if row is not None:
            row.used_at = now
            db.session.flush()
            return "recovery_code"
    return None


def just_used(user: User, code: str, now: datetime | None = None) -> bool:
    """Whether ``code`` is a valid TOTP code that was already used (replays are refused;
    after enrolment or a sign-in the app may still show the same code for a while)."""
    cleaned = _clean_code(code)
    if not (user.has_totp and user.totp_last_step is not None and cleaned.isdigit()
            and len(cleaned) == 6):
        return False
    step = _match_totp(_secret(user), cleaned, None, now or utcnow())
    return step is not None and step <= user.totp_last_step


def remaining_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    ))


def _new_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _j in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def enable(user: User, secret: str, code: str, actor: Actor) -> list[str]:
    """Store the secret once the user proves their app has it; returns the recovery codes."""
    if user.has_totp:
        raise ServiceError(_("Two-step verification is already on."))
    if _match_totp(secret, _clean_code(code), None, utcnow()) is None:
        raise ServiceError(_("That code does not match. Scan the QR code again and enter the "
                             "6-digit code your app shows now."), field="code")
    user.totp_secret = keyring().encrypt(secret.encode(), _aad(user))
    user.totp_last_step = pyotp.TOTP(secret).timecode(utcnow())
    codes = _new_codes(user)
    audit.record("account.totp_enabled", actor=actor, organization=user.organization_id, obj=user)
    db.session.commit()
    return codes


def disable(user: User, actor: Actor) -> None:
    """Turn two-step verification off (never for staff, for whom it is required)."""
    if user.is_staff:
        raise ServiceError(_("Two-step verification is required for Voxio staff."))
    if not user.has_totp:
        return
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("account.totp_disabled", actor=actor, organization=user.organization_id,
                 obj=user)
    db.session.commit()


def reencrypt_secrets(actor: Actor) -> int:
    """Re-encrypt every TOTP secret under the current key (after adding a key in front)."""
    ring = keyring()
    changed = 0
    for user in db.session.scalars(select(User).where(User.totp_secret.is_not(None))):
        rotated = ring.rotate(user.totp_secret, _aad(user))
        if rotated != user.totp_secret:
            user.totp_secret = rotated
            changed += 1
    audit.record("keys.rotated", actor=actor, details={"totp_secrets": changed,
                                                       "key": ring.current_id})
    db.session.commit()
    return changed


def regenerate_codes(user: User, actor: Actor) -> list[str]:
    if not user.has_totp:
        raise ServiceError(_("Turn on two-step verification first."))
    codes = _new_codes(user)
    audit.record("account.recovery_codes_regenerated", actor=actor,
                 organization=user.organization_id, obj=user)
    db.session.commit()
    return codes
