"""A stored agreement that fails its integrity check: never served, staff told once, and the
caller's own transaction left alone."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from portal.models import AuditEvent, Organization, Role
from portal.services import integrity, preparation, signed_copies, signing, storage
from portal.services.context import Actor
from portal.services.encryption import app_keyring

ACTOR = Actor(label_override="test")


@pytest.fixture
def damaged(db, customer, create_revision):
    """A signed agreement whose stored file lost a bit."""
    create_revision(customer.org, customer.owner)
    prepared = preparation.prepare(customer.org, customer.owner, ACTOR)
    signatory = prepared.signatory_name, prepared.signatory_function
    agreement = signing.sign(prepared, signing.Confirmation(*signatory, True), customer.owner,
                             None, ACTOR)
    key = agreement.file.file_key
    data = bytearray(storage.get(key))
    data[len(data) // 2] ^= 0x01
    storage._write_atomic(storage._path(key),
                          app_keyring().encrypt(bytes(data), associated=key.encode()))
    return agreement


def _alerts(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "agreement.integrity_alert"))


def test_a_damaged_file_is_refused_without_touching_the_callers_transaction(app, db, damaged):
    org = db.session.get(Organization, damaged.organization_id)
    org.city = "Gewijzigd"  # the caller's own, uncommitted work
    db.session.flush()
    with pytest.raises(integrity.IntegrityAlert):
        signed_copies.signed_pdf(damaged, ACTOR)
    assert db.session.scalar(select(Organization.city).where(Organization.id == org.id)) \
        == "Gewijzigd"  # still there: nothing rolled it back
    outside = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with outside.connect() as connection:  # and nothing committed it either
        assert connection.execute(text("SELECT city FROM organizations WHERE id = :id"),
                                  {"id": org.id}).scalar() != "Gewijzigd"
    outside.dispose()
    db.session.rollback()


def test_staff_are_alerted_once_even_if_the_task_runs_again(db, damaged, create_staff,
                                                            mailbox):
    admin = create_staff(Role.STAFF_ADMIN, email="admin@voxio.nl")
    db.session.commit()
    alert_id = integrity.alert(damaged, 1, "stored file does not match its SHA-256", ACTOR)
    args = (alert_id, damaged.id, 1, "stored file does not match its SHA-256", None, "test",
            None, None)
    db.session.rollback()  # the task writes through its own session: hold no SQLite lock
    integrity.record_alert.call_local(*args)
    integrity.record_alert.call_local(*args)  # a retry, or a task delivered twice
    db.session.expire_all()
    assert _alerts(db) == 1
    assert len([m for m in mailbox.to(admin.email) if "Integri" in m["Subject"]]) == 1
