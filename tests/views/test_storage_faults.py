"""When the documents folder cannot be written (a full disk, a read-only mount), the user is
told what happened and that nothing was stored, nothing half-written remains, and staff hear
of it once. Real faults: a tiny or read-only tmpfs mounted over the folder."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AgreementFile, AuditEvent, PreparedDocument, Role, SignedAgreement
from portal.services import mail
from tests.views.test_signing import _own_signature, _prepared_bytes, _sign, _upload

FULL = "size=16k"  # smaller than any agreement PDF: the write runs out of space
READ_ONLY = "ro"


@pytest.fixture
def mount(app):
    """``mount(kind, options)``: a tmpfs over FILES_PATH/kind, as an operator's fault would be."""
    mounted: list[Path] = []

    def mount_(kind: str, options: str) -> Path:
        folder = Path(app.config["FILES_PATH"]) / kind
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            if os.environ.get("REQUIRE_SERVICES"):
                pytest.fail(f"cannot mount a tmpfs: {done.stderr}")
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount_
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def owner(customer, create_revision, create_staff):
    create_revision(customer.org, customer.owner)
    create_staff(Role.STAFF_ADMIN, email="admin@voxio.nl")
    return customer.owner


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (SignedAgreement, AgreementFile, PreparedDocument))


def _faults():
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "storage.fault")
                                   .order_by(AuditEvent.id)))


def _operations() -> list[str]:
    return [json.loads(f.details)["operation"] for f in _faults()]


@pytest.mark.parametrize("fault", [FULL, READ_ONLY])
def test_signing_when_documents_cannot_be_written_says_nothing_was_signed(
        auth, owner, mount, mailbox, task_worker, fault):
    auth.login_user(owner)
    auth.client.get("/agreement/sign")  # prepared and stored while the disk was fine
    before = _counts()
    folder = mount("signed", fault)
    page = _sign(auth)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "niets ondertekend" in text
    assert 'value="Petra Jansen"' in text  # what they typed is kept for the next try
    assert _counts() == before and list(folder.iterdir()) == []
    task_worker(lambda: len(_faults()) == 1)
    mail.drain()
    assert "Storage" in mailbox.last("admin@voxio.nl")["Subject"] or \
        "Opslag" in mailbox.last("admin@voxio.nl")["Subject"]


def test_a_second_fault_within_the_hour_is_logged_without_another_email(
        auth, owner, mount, mailbox, task_worker):
    auth.login_user(owner)
    auth.client.get("/agreement/sign")
    mount("signed", READ_ONLY)
    for _ in range(2):
        _sign(auth)
        task_worker()
    faults = _faults()
    assert [json.loads(f.details)["mailed"] for f in faults] == [True, False]
    mail.drain()
    assert len(mailbox.to("admin@voxio.nl")) == 1


def test_preparing_when_documents_cannot_be_written_keeps_the_choices_and_says_why(
        auth, owner, mount, task_worker):
    auth.login_user(owner)
    mount("prepared", FULL)
    response = auth.client.get("/agreement/sign", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "keuzes zijn bewaard" in text
    assert _counts() == (0, 0, 0)
    task_worker(lambda: _operations() == ["preparing"])


def test_an_upload_when_documents_cannot_be_written_says_nothing_was_stored(
        auth, owner, mount, task_worker):
    auth.login_user(owner)
    signed_elsewhere = _own_signature(_prepared_bytes(auth))
    before = _counts()
    mount("signed", FULL)
    page = _upload(auth, signed_elsewhere).get_data(as_text=True)
    assert "niets bewaard" in page
    assert _counts() == before
    task_worker(lambda: _operations() == ["countersigning"])
