"""Encrypted columns under the current key: ``flask keys rotate`` re-encrypts every value
sealed under an older key, and encrypts values written before the columns were encrypted."""

from __future__ import annotations

import base64

from sqlalchemy import Text, select, type_coerce, update

from portal.extensions import db
from portal.models import ChoiceRevision, OutboxMessage, PreparedDocument
from portal.models.types import EncryptedText
from portal.services import audit
from portal.services.context import Actor
from portal.services.encryption import app_keyring

COLUMNS = ((ChoiceRevision, "choices_json"), (PreparedDocument, "content"),
           (OutboxMessage, "text_body"), (OutboxMessage, "html_body"),
           (OutboxMessage, "headers"))


def rotate(actor: Actor) -> int:
    """Rewrite every encrypted-column value not sealed under the current key; the count."""
    ring = app_keyring()
    changed = 0
    for model, name in COLUMNS:
        column = getattr(model, name)
        raw = type_coerce(column, Text)  # the stored form, not decrypted
        rows = db.session.execute(select(model.id, raw).execution_options(unscoped=True)).all()
        for row_id, stored in rows:
            if stored is None or _key_id(stored) == ring.current_id:
                continue
            value = db.session.execute(select(column).where(model.id == row_id)
                                       .execution_options(unscoped=True)).scalar_one()
            db.session.execute(update(model).where(model.id == row_id).values({name: value})
                               .execution_options(synchronize_session=False, unscoped=True))
            changed += 1
    audit.record("keys.rotated", actor=actor, details={"encrypted_values": changed,
                                                       "key": ring.current_id})
    db.session.commit()
    return changed


def _key_id(stored: str) -> str | None:
    """The key a stored value is sealed under; None for a value stored in plain text."""
    if not stored.startswith(EncryptedText.PREFIX):
        return None
    return base64.b64decode(stored[len(EncryptedText.PREFIX):]).split(b":", 2)[1].decode()
