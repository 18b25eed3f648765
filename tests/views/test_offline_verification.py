"""Someone holding only the file, years later and without the portal, can check it: the PDF
says how, the verify page and the customer's copy say until when, a command and a kit do it,
and customers hear when a renewed copy is worth fetching."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from importlib import metadata

import pytest
from cryptography.hazmat.primitives import hashes
from flask_babel import force_locale, format_date
from packaging.requirements import Requirement
from sqlalchemy import select

from portal.documents.contract import wording
from portal.documents.pades import pki
from portal.extensions import db
from portal.models import AgreementFile, SignedAgreement, utcnow
from portal.services import mail, renewal, trust
from portal.services.context import Actor
from tests.documents.tools import pdf_text
from tests.views.test_signing import _sign


@pytest.fixture
def signed(app, db, auth, customer, create_revision, tmp_path, mailbox) -> bytes:
    """The owner signed through the portal; the downloaded copy."""
    create_revision(customer.org, customer.owner)
    auth.login_user(customer.owner)
    assert _sign(auth).status_code == 302
    data = auth.client.get("/agreement/signed/1/download").data
    (tmp_path / "signed.pdf").write_bytes(data)
    return data


def _date(app, moment) -> str:
    with app.test_request_context(), force_locale("nl"):
        return format_date(moment, "long")


def test_a_copy_downloaded_at_signing_says_it_can_be_checked_offline_for_a_year(
        app, auth, signed, mailbox):
    file = db.session.scalar(select(AgreementFile))
    assert timedelta(days=364) < file.offline_until - utcnow() <= timedelta(days=365)
    until = _date(app, file.offline_until)
    assert until in auth.client.get("/agreement/signed/1").get_data(as_text=True)
    mail.drain()
    assert until in mailbox.text(mailbox.last("owner@bakkerij.nl"))
    checked = auth.another().post("/verify", {"file": (io.BytesIO(signed), "x.pdf")},
                                  token_from="/verify").get_data(as_text=True)
    assert "zonder het portaal" in checked and until in checked
    status = auth.another().client.get(f"/verify/{file.agreement.public_id}")
    assert until in status.get_data(as_text=True)
    stored = auth.client.get("/agreement/signed/1/report?format=json").json
    assert stored["offline_until"].startswith(file.offline_until.date().isoformat())


def test_the_pdf_says_how_to_check_it_without_the_portal(app, signed, tmp_path):
    text = " ".join(pdf_text(tmp_path / "signed.pdf").replace("\u200b", "").split())
    root = trust.authority().root.cert
    assert "Dit document controleren" in text
    assert wording.grouped(root.fingerprint(hashes.SHA256()).hex()) in text
    assert f"{app.config['PUBLIC_URL']}/pki/" in text
    assert f"tot {pki.ROOT_CRL_VALIDITY.days} dagen na zijn laatste tijdstempel" in text
    assert f"elke {app.config['TIMESTAMP_RENEW_DAYS']} dagen" in text
    assert "offline controleset" in text


def test_flask_agreements_verify_checks_a_file_with_its_own_proof(runner, signed, tmp_path):
    path = tmp_path / "signed.pdf"
    agreement = db.session.scalar(select(SignedAgreement))
    ok = runner.invoke(args=["agreements", "verify", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "VALID" in ok.output and "PAdES B-LTA" in ok.output
    assert f"document {agreement.public_id}, version 1 (the newest)" in ok.output
    late = (agreement.file.offline_until + timedelta(days=2)).strftime("%Y-%m-%d")
    stale = runner.invoke(args=["agreements", "verify", str(path), "--at", late, "--json"])
    assert stale.exit_code == 1
    assert json.loads(stale.output)["ok"] is False
    start = signed.index(b"Verwerkersovereenkomst", 2000)
    (tmp_path / "tampered.pdf").write_bytes(signed[:start] + b"X" + signed[start + 1:])
    tampered = runner.invoke(args=["agreements", "verify", str(tmp_path / "tampered.pdf")])
    assert tampered.exit_code == 1 and "NOT VALID" in tampered.output
    (tmp_path / "notes.txt").write_text("geen pdf")
    unreadable = runner.invoke(args=["agreements", "verify", str(tmp_path / "notes.txt")])
    assert unreadable.exit_code != 0 and "not a PDF" in unreadable.output


def test_the_offline_kit_checks_a_file_on_a_machine_without_the_portal(client, signed,
                                                                       tmp_path):
    page = client.get("/pki/").get_data(as_text=True)
    assert 'href="/pki/verify-kit.zip"' in page and 'id="offline"' in page
    kit = client.get("/pki/verify-kit.zip")
    assert kit.mimetype == "application/zip"
    assert client.get("/pki/verify-kit.zip").data == kit.data  # the same bytes each time
    with zipfile.ZipFile(io.BytesIO(kit.data)) as archive:
        names = archive.namelist()
        assert not any("/services/" in n or "/web/" in n for n in names)  # the engine alone
        archive.extractall(tmp_path / "kit")
    folder = tmp_path / "kit" / "verify-kit"
    assert "pyHanko==" in (folder / "requirements.txt").read_text()

    def run(*args):
        return subprocess.run([sys.executable, "-m", "portal.documents.pades.verify",
                               str(tmp_path / "signed.pdf"), "--trust", "root.pem", *args],
                              cwd=folder, capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin"})

    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert "result    VALID" in ok.stdout and "offline   the proof in this file holds" in ok.stdout
    report = json.loads(run("--json").stdout)
    late = (report["offline_until"][:10])
    after = run("--at", f"{int(late[:4]) + 1}{late[4:]}")
    assert after.returncode == 3 and "CANNOT BE CONFIRMED OFFLINE" in after.stdout
    assert after.stderr == ""  # pyHanko's retries stay quiet without --verbose
    start = signed.index(b"Verwerkersovereenkomst", 2000)
    (tmp_path / "tampered.pdf").write_bytes(signed[:start] + b"X" + signed[start + 1:])
    tampered = subprocess.run([sys.executable, "-m", "portal.documents.pades.verify",
                               str(tmp_path / "tampered.pdf"), "--trust", "root.pem"],
                              cwd=folder, capture_output=True, text=True, timeout=120)
    assert tampered.returncode == 1 and "NOT VALID: the file was changed" in tampered.stdout


IMPORTED = """
import json, runpy, sys
from importlib import metadata
before = {name.split(".")[0] for name in sys.modules}  # the interpreter's own start-up
sys.argv = ["verify", sys.argv[1], "--trust", "root.pem"]
try:
    runpy.run_module("portal.documents.pades.verify", run_name="__main__")
except SystemExit:
    pass
top = {name.split(".")[0] for name in sys.modules} - before - set(sys.stdlib_module_names)
owners = metadata.packages_distributions()  # modules of no distribution: compiled internals
print(json.dumps(sorted({d for name in top for d in owners.get(name, ())})))
"""


def _requirement_closure(names: list[str]) -> set[str]:
    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    seen: set[str] = set()
    todo = [norm(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or ():
            requirement = Requirement(text)
            # extras and other Pythons' needs: pip does not install them here
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(norm(requirement.name))
    return seen


def test_the_offline_kit_lists_every_library_its_engine_imports(client, signed, tmp_path):
    with zipfile.ZipFile(io.BytesIO(client.get("/pki/verify-kit.zip").data)) as archive:
        archive.extractall(tmp_path / "kit")
    folder = tmp_path / "kit" / "verify-kit"
    listed = [line.split("==")[0] for line in
              (folder / "requirements.txt").read_text().splitlines()]
    done = subprocess.run([sys.executable, "-c", IMPORTED, str(tmp_path / "signed.pdf")],
                          cwd=folder, capture_output=True, text=True, timeout=120)
    imported = {re.sub(r"[-_.]+", "-", name).lower()
                for name in json.loads(done.stdout.splitlines()[-1])}
    assert imported - _requirement_closure(listed) == set()


def test_customers_hear_of_a_renewed_copy_when_theirs_nears_the_end_of_its_offline_check(
        app, signed, mailbox):
    agreement = db.session.scalar(select(SignedAgreement))
    signed_at = agreement.signed_at
    actor = Actor(label_override="renewal")
    mail.drain()
    mailbox.messages.clear()

    def renew(days: int) -> AgreementFile:
        new = renewal.renew(agreement, actor, now=signed_at + timedelta(days=days))
        mail.drain()
        return new

    quiet = renew(60)  # the copy from signing holds another ten months: no e-mail
    assert quiet.announced_at is None and not mailbox.to("owner@bakkerij.nl")
    assert quiet.offline_until - quiet.last_timestamp_at > timedelta(days=364)
    told = renew(300)  # two months left on the copy from signing: worth fetching now
    assert told.announced_at is not None
    message = mailbox.text(mailbox.last("owner@bakkerij.nl"))
    first = agreement.files[0]
    assert _date(app, first.offline_until) in message and _date(app, told.offline_until) in message
    assert "/agreement/signed/1" in message
    assert len(mailbox.to("owner@bakkerij.nl")) == 1
    renew(360)  # the renewed copy they were told about holds until day 665
    assert len(mailbox.to("owner@bakkerij.nl")) == 1
