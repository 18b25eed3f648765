"""Instructions per signing ceremony, counted by valgrind's callgrind: repeatable where the VM's
clock speed is not (docs/BENCHMARKS.md).

    make bench-instructions        (about eight minutes; needs Debian's valgrind)

Runs three processes under callgrind on a fresh SQLite portal: one prepares and signs ROUNDS
agreements (new choices each round), one only prepares them, and one prepares them and does
bench/signing.py's baseline each round (typst render of the tailored agreement under a new
document number + one bare pyHanko B-B signature with a P-256 key). The differences, divided
by ROUNDS, are the ceremony behind the "Sign" button and the baseline; their ratio is the
target's (ceremony <= 2.0 x baseline) without the VM's clock drift.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def rounds(count: int, mode: str) -> None:
    """The measured process: set up a portal, then prepare ``count`` times, each time also
    signing (``sign``) or doing the baseline (``baseline``) or nothing more (``prepare``)."""
    import logging

    from flask_migrate import upgrade

    from portal.app import create_app
    from portal.documents.contract import Contact
    from portal.services import preparation, signing
    from portal.services.context import Actor
    from tests.factories import ALL_ROLES, make_org, make_revision, make_user

    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "INSTANCE_PATH": str(folder), "PUBLIC_URL": "http://127.0.0.1:5000",
                      "SECRET_KEY": "bench-secret-key-0123456789-0123456789",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1})
    with app.app_context(), app.test_request_context():
        upgrade()
        org = make_org("Bakkerij Jansen B.V.")
        owner = make_user(org, ALL_ROLES, name="Petra Jansen")
        actor = Actor(user=owner, ip="192.0.2.10", user_agent="bench")
        baseline = _baseline(org, make_revision(org, owner))
        for i in range(count):
            make_revision(org, owner, breach_contact=Contact(f"FG {i}", "fg@example.com",
                                                             "+31 30 1234567"))
            prepared = preparation.prepare(org, owner, actor)
            if mode == "sign":
                signing.sign(prepared, signing.Confirmation(
                    prepared.signatory_name, prepared.signatory_function, True), owner, None,
                    actor)
            elif mode == "baseline":
                baseline(i)


def _baseline(org, rev):
    """bench/signing.py's baseline: render under a new number, one bare B-B signature."""
    import io

    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

    from portal.documents.contract import pdf
    from portal.documents.pades import pki
    from portal.documents.pades.signing import asn1_cert
    from portal.services import preparation, trust

    cred = trust.authority().issue_signer(pki.SignerName("Bench", "Bench", "bench@example.com"),
                                          datetime.now(UTC))
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert(cred.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(cred.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=None)

    def once(i: int) -> None:
        data = pdf.render_frozen(preparation.freeze(org, rev, f"BENCH-{i}", datetime.now(UTC)))
        PdfSigner(PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES),
                  signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)))
    return once


def _counted(mode: str) -> int:
    out = Path(tempfile.mkdtemp(prefix="callgrind-")) / "out"
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
         "-m", "bench.instructions", "--rounds", str(ROUNDS), mode],
        cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"the {mode} process failed:\n{result.stderr[-3000:]}")
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    if sys.argv[1:2] == ["--rounds"]:
        rounds(int(sys.argv[2]), sys.argv[3])
        return
    signed, prepared, baseline = _counted("sign"), _counted("prepare"), _counted("baseline")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · "
          f"Python {platform.python_version()}")
    print(f"instructions, {ROUNDS} rounds: prepare and sign {signed:,}, prepare only "
          f"{prepared:,}")
    print(f"  per signing ceremony: {(signed - prepared) / ROUNDS / 1e6:,.1f} million")
    print(f"instructions, prepare and baseline {baseline:,}")
    print(f"  per baseline: {(baseline - prepared) / ROUNDS / 1e6:,.1f} million")
    print(f"  ceremony / baseline: {(signed - prepared) / (baseline - prepared):.2f} "
          f"(target <= 2.0; instructions, not time)")


if __name__ == "__main__":
    main()
