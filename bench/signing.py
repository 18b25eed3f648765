"""Signing ceremony and verify page against their baselines, measured in one run.

    make bench          (or: .venv/bin/python -m bench.signing)

Baseline: typst render of the tailored agreement + one bare pyHanko PAdES B-B signature with
a P-256 key, in this process (so with the portal's pyHanko speedups, as the ceremony).
Ceremony: everything the "Sign" button does (render with evidence page, one-shot certificate,
customer signature with timestamp, Voxio seal with both signatures' revocation data and a
document timestamp, the check of the result, encrypted storage, rows, audit events, mail
queued, commit). Verify: the public verify page's
work on the signed demo document (parse, validate both signatures and the archive timestamp,
look up the record).
"""

from __future__ import annotations

import io
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "20"))


def main() -> None:
    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    from flask_migrate import upgrade

    from portal.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "INSTANCE_PATH": str(folder), "PUBLIC_URL": "http://127.0.0.1:5000",
                      "SECRET_KEY": "bench-secret-key-0123456789-0123456789",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1})
    with app.app_context(), app.test_request_context():
        upgrade()
        baseline, ceremony, verify = _measure(app)
    _report(baseline, ceremony, verify)


def _measure(app):
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

    from portal.documents.contract import Contact, pdf
    from portal.documents.pades import pki
    from portal.documents.pades.signing import asn1_cert
    from portal.models import Role
    from portal.services import preparation, signed_copies, signing, trust, verification
    from portal.services.context import Actor
    from tests.factories import make_org, make_revision, make_user

    org = make_org("Bakkerij Jansen B.V.")
    owner = make_user(org, Role.CUSTOMER_OWNER, name="Petra Jansen")
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
    verify = []
    for _ in range(RUNS):
        start = time.perf_counter()
        report, found = verification.verify_upload(data)
        verify.append(time.perf_counter() - start)
        assert report.ok and found is not None
    return baseline, ceremony, verify


def _report(baseline, ceremony, verify) -> None:
    b, c, v = (statistics.median(x) * 1000 for x in (baseline, ceremony, verify))
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.node()} · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    print(f"runs: {RUNS} each (after 3 warm-up runs), medians:")
    print(f"  baseline (render + bare B-B P-256): {b:7.1f} ms")
    print(f"  signing ceremony:                   {c:7.1f} ms   = {c / b:.2f} x baseline "
          f"(target <= 2.5)")
    print(f"  verify page (signed demo document): {v:7.1f} ms   (target <= 250 ms)")
    for name, values in (("baseline", baseline), ("ceremony", ceremony), ("verify", verify)):
        ms = sorted(x * 1000 for x in values)
        print(f"  {name:9s} min {ms[0]:.1f} · p90 {ms[int(len(ms) * 0.9) - 1]:.1f} · "
              f"max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
