"""Signing ceremony and verify page against their baselines, measured in one run.

    make bench          (or: .venv/bin/python -m bench.signing)

Baseline: typst render of the tailored agreement + one bare pyHanko PAdES B-B signature with
a P-256 key, in this process (so with the portal's pyHanko speedups, as the ceremony).
Ceremony: everything the "Sign" button does (render with evidence page, one-shot certificate,
customer signature with timestamp, Voxio seal with both signatures' revocation data and a
document timestamp, the check of the result, encrypted storage, rows, audit events, mail
queued, commit). Verify: the public verify page's
work on the signed demo document (parse, validate both signatures and the archive timestamp,
look up the record), in this process; and the same file POSTed to /verify over HTTP, as the
HTML page and as ``?format=json``, to gunicorn (one sync worker, started on a free
127.0.0.1 port against this run's temporary instance), interleaved with the in-process runs.
"""

from __future__ import annotations

import io
import logging
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-0123456789-0123456789"  # noqa: S105 - a throwaway instance


def main() -> None:
    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    from flask_migrate import upgrade

    from portal.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "INSTANCE_PATH": str(folder), "PUBLIC_URL": "http://127.0.0.1:5000",
                      "SECRET_KEY": SECRET,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1})
    with app.app_context(), app.test_request_context():
        upgrade()
        baseline, ceremony, verify = _measure(app, folder)
    _report(baseline, ceremony, verify)


def _measure(app, folder: Path):
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

    from portal.documents.contract import Contact, pdf
    from portal.documents.pades import pki
    from portal.documents.pades.signing import asn1_cert
    from portal.extensions import db
    from portal.services import preparation, signed_copies, signing, trust, verification
    from portal.services.context import Actor
    from tests.factories import ALL_ROLES, make_org, make_revision, make_user

    org = make_org("Bakkerij Jansen B.V.")
    owner = make_user(org, ALL_ROLES, name="Petra Jansen")
    rev = make_revision(org, owner)
    actor = Actor(user=owner, ip="192.0.2.10", user_agent="bench")
    auth = trust.authority()

    # Baseline: render + one bare B-B signature with a P-256 key (chain from our CA).
    cred = auth.issue_signer(pki.SignerName("Bench", "Bench", "bench@example.com"),
                             datetime.now(UTC))
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert(cred.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(cred.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=None)
    rounds = iter(range(1_000_000))

    def baseline_once() -> float:
        # a document of its own each time, as every ceremony renders one (typst answers an
        # unchanged document from its caches)
        frozen = preparation.freeze(org, rev, f"BENCH-{next(rounds)}", datetime.now(UTC))
        start = time.perf_counter()
        data = pdf.render_frozen(frozen)
        PdfSigner(PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES),
                  signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)))
        return time.perf_counter() - start

    counter = iter(range(1_000_000))

    def ceremony_once() -> tuple[float, object]:
        # New choices each time (a signed revision is not signed twice), then the review
        # step: both happen before the "Sign" button and are not timed.
        make_revision(org, owner, breach_contact=Contact(f"FG {next(counter)}",
                                                         "fg@example.com", "+31 30 1234567"))
        prepared = preparation.prepare(org, owner, actor)
        confirmation = signing.Confirmation("Petra Jansen", "Directeur", True)
        start = time.perf_counter()
        agreement = signing.sign(prepared, confirmation, owner, None, actor)
        elapsed = time.perf_counter() - start
        return elapsed, agreement

    for _ in range(3):  # warm-up: imports, fonts, caches
        baseline_once()
        ceremony_once()
    baseline, ceremony = [], []
    agreement = None
    for _ in range(RUNS):  # interleaved, so drift hits both alike
        baseline.append(baseline_once())
        elapsed, agreement = ceremony_once()
        ceremony.append(elapsed)
    data = signed_copies.signed_pdf(agreement, actor)
    db.session.commit()  # the server below reads the same database

    def in_process() -> float:
        start = time.perf_counter()
        report, found = verification.verify_upload(data)
        elapsed = time.perf_counter() - start
        assert report.ok and found is not None
        db.session.rollback()  # no read transaction left open: the server writes (rate limit)
        return elapsed

    verify = {"in process": [], "HTTP, HTML": [], "HTTP, JSON": []}
    with _server(folder) as post:
        for _ in range(3):  # warm-up: the worker loads the PKI and fills its caches
            in_process(), post(data, False), post(data, True)
        for i in range(RUNS):  # interleaved, the two HTTP forms in turn first
            verify["in process"].append(in_process())
            for as_json in (i % 2 == 1, i % 2 == 0):
                verify["HTTP, JSON" if as_json else "HTTP, HTML"].append(post(data, as_json))
    return baseline, ceremony, verify


class _server:
    """gunicorn (one sync worker) on a free port, serving this run's instance; calling the
    context's value POSTs a file to /verify the way the form does (with its CSRF token)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self):
        import requests

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "PORTAL_ENV": "development", "INSTANCE_PATH": str(self.folder),
               "DATABASE_URL": f"sqlite:///{self.folder / 'bench.db'}", "SECRET_KEY": SECRET,
               "PUBLIC_URL": "http://127.0.0.1:5000", "VERIFY_RATE_LIMIT": "1000000 per minute"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url, session = f"http://127.0.0.1:{port}", requests.Session()
        for _ in range(300):
            try:
                page = session.get(url + "/verify", timeout=30).text
                break
            except requests.RequestException:  # still starting
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]

        def post(data: bytes, as_json: bool) -> float:
            start = time.perf_counter()
            response = session.post(url + "/verify" + ("?format=json" if as_json else ""),
                                    data={"csrf_token": token},
                                    files={"file": ("agreement.pdf", data, "application/pdf")},
                                    timeout=60)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.text[:500]
            assert (response.json()["ok"] if as_json
                    else "This exact file is not in our records" not in response.text)
            return elapsed

        return post

    def __exit__(self, *_exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(20)


def _report(baseline, ceremony, verify) -> None:
    b, c = (statistics.median(x) * 1000 for x in (baseline, ceremony))
    v, html, as_json = (statistics.median(x) * 1000 for x in verify.values())
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.node()} · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    print(f"runs: {RUNS} each (after 3 warm-up runs), medians:")
    print(f"  baseline (render + bare B-B P-256): {b:7.1f} ms")
    print(f"  signing ceremony:                   {c:7.1f} ms   = {c / b:.2f} x baseline "
          f"(target <= 2.0)")
    print(f"  verify, in process (demo document): {v:7.1f} ms   (target <= 100 ms)")
    print(f"  verify, POST over HTTP (gunicorn):  {html:7.1f} ms   = {html / v:.2f} x in process "
          f"(target <= 1.5)")
    print(f"  verify, the same as JSON:           {as_json:7.1f} ms   = {as_json / html:.2f} x "
          f"the HTML page")
    rows = {"baseline": baseline, "ceremony": ceremony, **verify}
    for name, values in rows.items():
        ms = sorted(x * 1000 for x in values)
        print(f"  {name:10s} min {ms[0]:.1f} · p90 {ms[int(len(ms) * 0.9) - 1]:.1f} · "
              f"max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
