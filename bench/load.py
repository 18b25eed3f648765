"""Load: the logged-in dashboard and the staff customer list under gunicorn on PostgreSQL,
next to a bare Flask "hello" served the same way, for 10, 1,000 and 100,000 customers.

    make bench-load     (needs PostgreSQL on 127.0.0.1:5432 and Debian's `wrk`)

Each size: a fresh database with generated customers (each with choices), gunicorn with
BENCH_WORKERS sync workers, and wrk (a second process) for BENCH_SECONDS per page.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pyotp
import requests

from bench import gunicorn

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "10,1000,100000").split(",")]
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
PG = "postgresql://root@127.0.0.1:5432"
DB = "portal_load_bench"
SECRET = "bench-secret-key-0123456789-0123456789"  # noqa: S105 (a throwaway database)
PASSWORD = "bench password that is long enough"  # noqa: S105


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · Python "
          f"{sys.version.split()[0]} · gunicorn {WORKERS} sync workers · wrk 2 threads, "
          f"16 connections, {SECONDS} s per page · PostgreSQL")
    print("(this VM's speed drifts within minutes: each size is compared with the mean of a "
          "hello measured just before and just after its pages)")
    for size in SIZES:
        _run_size(size)


def _hello() -> tuple[float, float, float]:
    proc, url = _serve("bench.hello:app", {})
    try:
        before = _cpu_ticks(proc.pid)[0]
        rps, p95 = _result(_wrk(f"{url}/", ""))
        spent = _cpu_ticks(proc.pid)[0] - before
    finally:
        gunicorn.stop(proc, 20)
    return rps, p95, spent / TICKS * 1000 / (rps * SECONDS)


def _run_size(size: int) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    env = {"DATABASE_URL": f"{PG}/{DB}", "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0",
           "INSTANCE_PATH": tempfile.mkdtemp(prefix="portal-load-")}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)
    secret = _generate(size, env)
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("ANALYZE")  # what autovacuum does soon after a bulk load
    hellos = [_hello()]
    proc, url = _serve("wsgi:app", env)
    try:
        for _ in range(WORKERS * 2):  # every worker imports the app before it is measured
            requests.get(url + "/healthz", timeout=30)
        owner = _login(url, "owner@bench.example", None)
        staff = _login(url, "admin@bench.example", secret)
        rows = []
        # the floor: a logged-in request that only checks the session and runs SELECT 1
        for name, cookie, path in (("session check only", owner, "/healthz"),
                                   ("customer dashboard", owner, "/"),
                                   ("staff customer list", staff, "/staff/customers")):
            assert requests.get(url + path, headers={"Cookie": cookie},
                                timeout=30).status_code == 200
            before = _cpu_ticks(proc.pid)
            rps, p95 = _result(_wrk(url + path, cookie))
            spent = [b - a for a, b in zip(before, _cpu_ticks(proc.pid), strict=True)]
            rows.append((name, rps, p95, [t / TICKS * 1000 / (rps * SECONDS) for t in spent]))
    finally:
        gunicorn.stop(proc, 20)
    hellos.append(_hello())
    base = sum(h[0] for h in hellos) / 2
    print(f"\n{size:,} customers")
    print(f"  {'bare Flask hello':20s} {base:7.0f} req/s (before {hellos[0][0]:.0f}, after "
          f"{hellos[1][0]:.0f}), p95 {max(h[1] for h in hellos):.1f} ms; CPU per request: "
          f"{sum(h[2] for h in hellos) / 2:.2f} ms")
    for name, rps, p95, (portal_ms, pg_ms) in rows:
        print(f"  {name:20s} {rps:7.0f} req/s ({100 * rps / base:4.1f} % of hello), "
              f"p95 {p95:6.1f} ms; CPU per request: portal {portal_ms:.1f} ms, "
              f"PostgreSQL {pg_ms:.1f} ms")


def _generate(size: int, env: dict) -> str:
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from datetime import datetime, UTC
from sqlalchemy import insert, select
from portal.app import create_app
from portal.extensions import db
from portal.models import ChoiceRevision, Organization, OrganizationService, User
from portal.services import agreements
from portal.services.encryption import app_keyring
from portal.services.passwords import hash_password
from tests.factories import valid_choices
app = create_app()
with app.app_context():
    now = datetime.now(UTC)
    rows = [dict(name=f"Klant {{i}} B.V.", kvk_number=f"{{i:08d}}",
                 customer_number=f"LX-{{i:07d}}", address="Straat 1", postal_code="1234 AB",
                 city="Utrecht", country="NL", created_at=now) for i in range({size})]
    for k in range(0, len(rows), 10000):
        db.session.execute(insert(Organization), rows[k:k + 10000])
    ids = db.session.scalars(select(Organization.id).order_by(Organization.id)).all()
    template = agreements.current_template()
    choices = json.dumps(valid_choices().to_dict())
    revs = [dict(organization_id=i, number=1, template_id=template.id, author_label="bench",
                 created_at=now, choices_json=choices, special_categories=False,
                 criminal_data=False, national_id=False, large_scale=False) for i in ids]
    for k in range(0, len(revs), 10000):
        db.session.execute(insert(ChoiceRevision), revs[k:k + 10000])
    pw = hash_password({PASSWORD!r})
    db.session.add(User(email="owner@bench.example", name="Eigenaar", password_hash=pw,
                        role="customer", is_owner=True, is_signatory=True,
                        organization_id=ids[0]))
    admin = User(email="admin@bench.example", name="Beheer", password_hash=pw,
                 role="staff_admin")
    db.session.add(admin)
    db.session.flush()
    admin.totp_secret = app_keyring().encrypt(b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                                              f"totp:{{admin.id}}".encode())
    db.session.commit()
"""  # noqa: S608 (Python source for a subprocess, not SQL)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **env},
                   check=True)
    return "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _login(url: str, email: str, secret: str | None) -> str:
    s = requests.Session()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      s.get(url + "/login", timeout=30).text)[1]
    r = s.post(url + "/login", data={"csrf_token": token, "email": email,
                                     "password": PASSWORD}, allow_redirects=False, timeout=30)
    if secret is not None:
        page = s.get(url + "/login/verify", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        r = s.post(url + "/login/verify", data={"csrf_token": token,
                                                "code": pyotp.TOTP(secret).now()},
                   allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:500]
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(session: int) -> tuple[int, int]:
    """CPU time (user + system, in clock ticks) of gunicorn's processes and of PostgreSQL's."""
    portal = postgres = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # ended meanwhile
            continue
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
        fields = fields.split()
        ticks = int(fields[11]) + int(fields[12])
        if int(fields[3]) == session:
            portal += ticks
        elif name == "postgres":
            postgres += ticks
    return portal, postgres


def _serve(app_path: str, env: dict):
    return gunicorn.serve(app_path, cwd=ROOT, env={**os.environ, **env}, workers=WORKERS,
                          ready_path="/healthz" if app_path == "wsgi:app" else "", tries=200)


def _wrk(url: str, cookie: str) -> str:
    args = ["wrk", "-t2", "-c16", f"-d{SECONDS}s", "-s", str(ROOT / "bench" / "p95.lua")]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    return subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout


def _result(output: str) -> tuple[float, float]:
    match = re.search(r"RESULT rps=([\d.]+) p95_ms=([\d.]+) p50_ms=[\d.]+ errors=(\d+)", output)
    assert match, output
    if int(match[3]):
        print(f"  ({match[3]} errors or timeouts: the p95 is wrk's 2 s timeout or above)")
    return float(match[1]), float(match[2])


if __name__ == "__main__":
    main()
