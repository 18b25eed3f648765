"""Signing and objections under attack or failure: races, a killed process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.app import create_app
from portal.models import IssuedCertificate, Objection, SignedAgreement, utcnow
from portal.services import announcements, notifications, storage, subprocessors, trust
from portal.services.context import Actor, cli_actor
from tests.factories import valid_choices
from tests.helpers import AuthActions, csrf_token
from tests.views.test_signing import _prepared_id


@pytest.fixture
def owner(customer, create_revision):
    """The customer's owner (Petra Jansen), whose choices name e-mail only."""
    create_revision(customer.org, customer.owner, selected={**valid_choices().selected,
                                                            "services": ("email",)})
    return customer.owner


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_simultaneous_sign_submits_sign_once(app, db, owner):
    clients = [AuthActions(app.test_client(), app) for _ in range(2)]
    for i, c in enumerate(clients):
        c.login_user(owner, totp_offset=i)
    page = clients[0].client.get("/agreement/sign").get_data(as_text=True)
    data = {"prepared": _prepared_id(page), "name": "Petra Jansen", "function": "Directeur",
            "authority": "y"}
    forms = [{**data, "csrf_token": csrf_token(c.client, "/")} for c in clients]
    results = _race([lambda c=c, f=f: c.client.post("/agreement/sign", data=f)
                     for c, f in zip(clients, forms, strict=True)])
    assert [r.status_code for r in results] == [302, 302]
    assert {r.headers["Location"] for r in results} == {"/agreement/signed/1"}
    assert db.session.scalar(select(func.count()).select_from(SignedAgreement)) == 1
    assert len([k for k in storage.all_keys() if k.startswith("signed/")]) == 1
    assert db.session.scalar(select(func.count()).select_from(IssuedCertificate).where(
        IssuedCertificate.purpose == "signatory")) == 1


def test_two_simultaneous_objections_leave_one_open(app, db, owner):
    ann = announcements.announce(
        "add", reason="Nieuwe partner", actor=Actor(label_override="test"),
        effective_on=utcnow().date() + timedelta(days=30),
        data=subprocessors.SubProcessorData("Postbode", "Postbode B.V.", "Mail", ("email",),
                                            ("NL",)))
    notifications.create_notices(ann.id)
    ann_id = ann.id
    clients = [AuthActions(app.test_client(), app) for _ in range(2)]
    for i, c in enumerate(clients):
        c.login_user(owner, totp_offset=i)
    path = f"/agreement/subprocessors/{ann_id}/object"
    forms = [{"reason": f"Bezwaar nummer {i}, graag niet.",
              "csrf_token": csrf_token(c.client, path)} for i, c in enumerate(clients)]
    results = _race([lambda c=c, f=f: c.client.post(path, data=f)
                     for c, f in zip(clients, forms, strict=True)])
    assert sorted(r.status_code for r in results) == [200, 302]  # one refused with a message
    assert db.session.scalar(select(func.count()).select_from(Objection)) == 1


KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from portal.app import create_app
from portal.services import preparation, signing, storage
from portal.models import Organization, User
from portal.services.context import Actor
from portal.app import create_app
from portal.extensions import db
app = create_app({config!r})
with app.app_context():
    org = db.session.get(Organization, {org_id})
    owner = db.session.get(User, {owner_id})
    prepared = preparation.prepare(org, owner, Actor(user=owner))
    real = storage._write_atomic
    def die_mid_write(path, data):
        if "/signed/" in str(path):
            tmp = path.with_name("." + path.name + ".dead.tmp")
            tmp.write_bytes(data[: len(data) // 2])  # half a file, then the power goes
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, data)
    storage._write_atomic = die_mid_write
    signing.sign(prepared, signing.Confirmation("Petra Jansen", "Directeur", True),
                    owner, None, Actor(user=owner))
"""


def test_a_process_killed_while_signing_leaves_no_row_and_no_file(app, db, owner, tmp_path):
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH",
                                         "SECRET_KEY", "PUBLIC_URL", "FILES_PATH", "PKI_PATH")}
    config["MAIL_SERVER"] = None
    org_id, owner_id = owner.organization_id, owner.id
    db.session.commit()  # the signing process reads the owner and the choices
    db.engine.dispose()
    root = str(Path(__file__).resolve().parents[2])
    script = KILLER.format(root=root, config=config, org_id=org_id, owner_id=owner_id)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                            env={**os.environ})
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    files = Path(app.config["FILES_PATH"])
    leftovers = list((files / "signed").glob(".*.tmp"))
    assert leftovers and not [p for p in (files / "signed").iterdir()
                              if not p.name.startswith(".")]
    assert db.session.scalar(select(func.count()).select_from(SignedAgreement)) == 0
    # "after restart": the next start removes what the dead process left (once it is stale)
    old = time.time() - 3600
    for path in leftovers:
        os.utime(path, (old, old))
    create_app(dict(config))  # the restart
    assert not list((files / "signed").glob(".*.tmp"))
    assert db.session.scalar(select(func.count()).select_from(SignedAgreement)) == 0


@pytest.fixture(autouse=True)
def _quiet_pyhanko():
    logging.getLogger("pyhanko").setLevel(logging.ERROR)


def test_simultaneous_first_uses_create_one_consistent_pki(app, db):
    def first_use():
        with app.app_context():  # each thread its own context, as each request or task has
            return trust.initialise(cli_actor("test"))

    created = _race([first_use] * 4)
    assert sorted(created) == [False, False, False, True]
    app.extensions.pop("portal.pki", None)
    auth = trust.authority()
    for cred in (auth.root, auth.signing_ca, auth.seal, auth.tsa):
        assert cred.key.public_key().public_numbers() == cred.cert.public_key().public_numbers()
    assert db.session.scalar(select(func.count()).select_from(IssuedCertificate)) == 3
    assert not list(Path(app.config["PKI_PATH"]).parent.glob(".pki-*"))
