"""Instructions per signing ceremony, counted by valgrind's callgrind: repeatable where the VM's
clock speed is not (docs/BENCHMARKS.md).

    make bench-instructions        (about five minutes; needs Debian's valgrind)

Runs two processes under callgrind on a fresh SQLite portal: one prepares and signs ROUNDS
agreements (new choices each round), the other only prepares them. The difference, divided by
ROUNDS, is the ceremony behind the "Sign" button.
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


def rounds(count: int, sign: bool) -> None:
    """The measured process: set up a portal, then prepare (and sign) ``count`` times."""
    import logging

    from flask_migrate import upgrade

    from portal.app import create_app
    from portal.documents.contract import Contact
    from portal.models import Role
    from portal.services import preparation, signing
    from portal.services.context import Actor
    from tests.factories import make_org, make_revision, make_user

    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "INSTANCE_PATH": str(folder), "PUBLIC_URL": "http://127.0.0.1:5000",
                      "SECRET_KEY": "bench-secret-key-0123456789-0123456789",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1})
    with app.app_context(), app.test_request_context():
        upgrade()
        org = make_org("Bakkerij Jansen B.V.")
        owner = make_user(org, Role.CUSTOMER_OWNER, name="Petra Jansen")
        actor = Actor(user=owner, ip="192.0.2.10", user_agent="bench")
        for i in range(count):
            make_revision(org, owner, breach_contact=Contact(f"FG {i}", "fg@example.com",
                                                             "+31 30 1234567"))
            prepared = preparation.prepare(org, owner, actor)
            if sign:
                signing.sign(prepared, signing.Confirmation(
                    prepared.signatory_name, prepared.signatory_function, True), owner, None,
                    actor)


def _counted(mode: str) -> int:
    out = Path(tempfile.mkdtemp(prefix="callgrind-")) / "out"
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
         "-m", "bench.instructions", "--rounds", str(ROUNDS), mode],
        cwd=ROOT, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    if sys.argv[1:2] == ["--rounds"]:
        rounds(int(sys.argv[2]), sys.argv[3] == "sign")
        return
    signed, prepared = _counted("sign"), _counted("prepare")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · "
          f"Python {platform.python_version()}")
    print(f"instructions, {ROUNDS} rounds: prepare and sign {signed:,}, prepare only "
          f"{prepared:,}")
    print(f"  per signing ceremony: {(signed - prepared) / ROUNDS / 1e6:,.1f} million")


if __name__ == "__main__":
    main()
