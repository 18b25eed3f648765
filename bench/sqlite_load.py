"""SQLite under write load: customers reading pages while 32 clients keep saving, under gunicorn.

    make bench-sqlite     (BENCH_SECONDS, BENCH_WRITERS, BENCH_READERS, BENCH_WORKERS)

Each measurement: a fresh temporary instance with a SQLite database (migrated, 50 customer
organizations, each with saved choices, an owner and a member), gunicorn with BENCH_WORKERS
sync workers on a free 127.0.0.1 port, and this process's threads as clients, each with its
own signed-in session (requests.Session):

- readers (BENCH_READERS, default 8 customer owners) alternate GET ``/`` (the dashboard) and
  GET ``/agreement/preview``, which only read (each page is opened once per session before
  the clock starts: the first view of the preview logs that it was seen);
- writers (BENCH_WRITERS, default 32 customer members) keep saving their own details, POST
  ``/account/`` with a name that changes every time: an UPDATE of the user plus an audit
  event appended to the hash chain (read with SELECT ... FOR UPDATE), then a commit.

All clients run for BENCH_WARMUP + BENCH_SECONDS (default 3 + 20) as fast as they are
answered (a closed loop; BENCH_READ_PAUSE and BENCH_WRITE_PAUSE add a pause in seconds after
each answer); requests started in the warm-up are not counted. Then the audit chain is
verified and gunicorn's stderr is searched for lock errors.

To compare code trees (e.g. a ``git worktree`` of an older commit), name them:
``BENCH_TREES=before=/tmp/sqlite-before,after=. BENCH_ROUNDS=2``; the rounds take turns
(before, after, before, after) with the same load and this script, and medians are printed.
The default measures this tree once.
"""

from __future__ import annotations

import os
import platform
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench import gunicorn

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))  # seconds of load before the clock starts
WRITERS = int(os.environ.get("BENCH_WRITERS", "32"))
READERS = int(os.environ.get("BENCH_READERS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
# seconds a client waits after each answer before its next request (0: a closed loop)
READ_PAUSE = float(os.environ.get("BENCH_READ_PAUSE", "0"))
WRITE_PAUSE = float(os.environ.get("BENCH_WRITE_PAUSE", "0"))
# "profile": members save their name (light); "choices": owners save their choices (a new
# revision with its services index, notices catch-up and audit event: the heavy save)
WRITE = os.environ.get("BENCH_WRITE", "profile")
CHOICES = {
    "services": ["webhosting", "email"], "purposes": ["hosting"],
    "data_categories": ["name_address", "ip_address"], "data_subjects": ["customers"],
    "large_scale": "no", "contact_name": "Fenna de FG", "contact_email": "fg@bakkerij.nl",
    "signatory_name": "Eigenaar", "signatory_function": "Directeur",
    "signatory_authority": "director", "disposition": "return_then_delete",
}
CUSTOMERS = 50
SECRET = "bench-secret-key-0123456789-0123456789"  # noqa: S105 (a throwaway instance)
PASSWORD = "bench password that is long enough"  # noqa: S105
READ_PAGES = ("/", "/agreement/preview")
LOCK_ERRORS = re.compile(r"database is locked|database table is locked|OperationalError|"
                         r"Traceback|WORKER TIMEOUT", re.IGNORECASE)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    trees = _trees(os.environ.get("BENCH_TREES", f"current={ROOT}"))
    assert READERS <= CUSTOMERS and WRITERS <= CUSTOMERS
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · Python "
          f"{sys.version.split()[0]} · SQLite {sqlite3.sqlite_version} · gunicorn {WORKERS} "
          f"sync workers · {READERS} readers + {WRITERS} writers, {SECONDS} s per run, "
          f"pauses between requests: readers {READ_PAUSE} s, writers {WRITE_PAUSE} s")
    for label, path in trees:
        print(f"tree {label}: {path} ({_describe(path)})")
    results: dict[str, list[dict]] = {label: [] for label, _ in trees}
    for n in range(ROUNDS):
        for label, path in trees:
            print(f"\nround {n + 1}, {label}: load average {_load()}")
            result = _measure(path)
            results[label].append(result)
            _print(result)
    if ROUNDS > 1 or len(trees) > 1:
        print(f"\nmedians of {ROUNDS} round(s):")
        for label, runs in results.items():
            print(f"  {label}:")
            _print({key: statistics.median(run[key] for run in runs) for key in runs[0]
                    if key != "stderr"} | {"stderr": [x for r in runs for x in r["stderr"]]},
                   indent="    ")


def _trees(spec: str) -> list[tuple[str, Path]]:
    trees = []
    for part in spec.split(","):
        label, _, path = part.partition("=")
        trees.append((label, (ROOT / path).resolve()))
    return trees


def _describe(path: Path) -> str:
    head = subprocess.run(["git", "-C", str(path), "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(path), "status", "--porcelain", "--", "portal"],
                           capture_output=True, text=True).stdout.strip()
    return head + (", with uncommitted changes under portal/" if dirty else "")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _env(tree: Path, folder: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree), "INSTANCE_PATH": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}", "SECRET_KEY": SECRET,
            "PORTAL_ENV": "development", "RATELIMIT_ENABLED": "0",
            "TASKS_DB": str(folder / "tasks.db"),
            "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8", "ARGON2_PARALLELISM": "1"}


def _measure(tree: Path) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="portal-sqlite-load-"))
    env = _env(tree, folder)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=tree, env=env, check=True, capture_output=True)
    _generate(tree, env)
    errlog = folder / "gunicorn.err"
    proc, url = _serve(tree, env, errlog)
    try:
        for _ in range(WORKERS * 2):  # every worker imports the app before it is measured
            requests.get(url + "/healthz", timeout=30)
        readers = [_login(url, f"owner{i}@bench.example") for i in range(READERS)]
        writers = ([_login(url, f"member{i}@bench.example") for i in range(WRITERS)]
                   if WRITE == "profile" else
                   [_login(url, f"owner{READERS + i}@bench.example") for i in range(WRITERS)])
        for session in readers:  # first views (the preview logs one event per session)
            for page in READ_PAGES:
                assert session.get(url + page, allow_redirects=False,
                                   timeout=30).status_code == 200
        form = "/account/" if WRITE == "profile" else "/agreement/choices"
        tokens = [_csrf(session.get(url + form, timeout=30).text) for session in writers]
        read, write, cpu = _run(url, readers, writers, tokens, proc.pid)
        wal = folder / "portal.db-wal"
        wal_mb = wal.stat().st_size / 2**20 if wal.exists() else 0.0
    finally:
        gunicorn.stop(proc)
    audit = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"],
                           cwd=tree, env=env, capture_output=True, text=True)
    stderr = [line for line in errlog.read_text(errors="replace").splitlines()
              if LOCK_ERRORS.search(line)]
    return {**_summary("read", read), **_summary("write", write),
            **cpu, "wal_mb": wal_mb, "audit_ok": float(audit.returncode == 0), "stderr": stderr}


def _generate(tree: Path, env: dict) -> None:
    script = f"""
import sys
import portal
assert portal.__file__.startswith({str(tree)!r} + "/"), portal.__file__
from portal.app import create_app
from portal.extensions import db
from portal.models import Role
from tests.factories import ALL_ROLES, MEMBER, make_org, make_revision, make_user
app = create_app()
with app.app_context(), app.test_request_context():
    for i in range({CUSTOMERS}):
        org = make_org(f"Klant {{i}} B.V.")
        owner = make_user(org, ALL_ROLES, email=f"owner{{i}}@bench.example",
                          name=f"Eigenaar {{i}}", password={PASSWORD!r})
        make_user(org, MEMBER, email=f"member{{i}}@bench.example",
                  name=f"Lid {{i}}", password={PASSWORD!r})
        make_revision(org, owner)
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=tree, env=env, check=True)


def _serve(tree: Path, env: dict, errlog: Path):
    with errlog.open("w") as err:
        return gunicorn.serve("wsgi:app", cwd=tree, env=env, workers=WORKERS, stderr=err)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def _login(url: str, email: str) -> requests.Session:
    s = requests.Session()
    token = _csrf(s.get(url + "/login", timeout=30).text)
    r = s.post(url + "/login", data={"csrf_token": token, "email": email,
                                     "password": PASSWORD}, allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:500]
    return s


def _run(url: str, readers, writers, tokens, server: int) -> tuple[list, list, dict]:
    """Every client in its own thread, from one start signal until the end; latency of each
    request started after the warm-up, and whether it was answered as expected."""
    read: list[tuple[float, bool]] = []  # (seconds, answered as expected)
    write: list[tuple[float, bool]] = []
    start = threading.Event()
    clock = [0.0, 0.0]  # when samples start to count, when the clients stop

    def reader(session: requests.Session, n: int) -> None:
        start.wait()
        k = n
        while time.perf_counter() < clock[1]:
            t0 = time.perf_counter()
            try:
                ok = session.get(url + READ_PAGES[k % 2], allow_redirects=False,
                                 timeout=60).status_code == 200
            except requests.RequestException:
                ok = False
            if t0 >= clock[0]:
                read.append((time.perf_counter() - t0, ok))
            k += 1
            time.sleep(READ_PAUSE)

    def writer(session: requests.Session, token: str, n: int) -> None:
        start.wait()
        k = 0
        while time.perf_counter() < clock[1]:
            if WRITE == "profile":
                path = "/account/"
                data = {"csrf_token": token, "name": f"Lid {n} {'AB'[k % 2]}", "locale": "nl"}
            else:
                path = "/agreement/choices"
                data = {**CHOICES, "csrf_token": token,
                        "contact_phone": f"+31 30 123 45 {k % 100:02d}"}
            t0 = time.perf_counter()
            try:
                ok = session.post(url + path, data=data, allow_redirects=False,
                                  timeout=60).status_code == 302
            except requests.RequestException:
                ok = False
            if t0 >= clock[0]:
                write.append((time.perf_counter() - t0, ok))
            k += 1
            time.sleep(WRITE_PAUSE)

    threads = [threading.Thread(target=reader, args=(s, n)) for n, s in enumerate(readers)]
    threads += [threading.Thread(target=writer, args=(s, t, n))
                for n, (s, t) in enumerate(zip(writers, tokens, strict=True))]
    for thread in threads:
        thread.start()
    clock[0] = time.perf_counter() + WARMUP
    clock[1] = clock[0] + SECONDS
    start.set()
    time.sleep(max(0.0, clock[0] - time.perf_counter()))
    before = _server_ticks(server), resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(max(0.0, clock[1] - time.perf_counter()))
    after = _server_ticks(server), resource.getrusage(resource.RUSAGE_SELF)
    for thread in threads:
        thread.join()
    client = [r.ru_utime + r.ru_stime for r in (before[1], after[1])]
    # CPU seconds per second of the measured window (2.0 = both cores of a 2-CPU machine)
    return read, write, {"cpu_server": (after[0] - before[0]) / TICKS / SECONDS,
                         "cpu_client": (client[1] - client[0]) / SECONDS}


TICKS = os.sysconf("SC_CLK_TCK")


def _server_ticks(session: int) -> int:
    """CPU time (user + system, in clock ticks) of gunicorn's processes."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == session:
            total += int(fields[11]) + int(fields[12])
    return total


def _summary(kind: str, samples: list[tuple[float, bool]]) -> dict:
    times = sorted(t for t, _ in samples) or [0.0]

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(p / 100 * len(times)))] * 1000

    return {f"{kind}_rps": len(samples) / SECONDS, f"{kind}_p50": pct(50),
            f"{kind}_p95": pct(95), f"{kind}_p99": pct(99), f"{kind}_max": times[-1] * 1000,
            f"{kind}_errors": float(sum(not ok for _, ok in samples))}


def _print(r: dict, indent: str = "  ") -> None:
    print(f"{indent}readers: {r['read_rps']:6.1f} req/s, p50 {r['read_p50']:7.1f} ms, "
          f"p95 {r['read_p95']:7.1f} ms, p99 {r['read_p99']:7.1f} ms, max "
          f"{r['read_max']:7.1f} ms, errors {r['read_errors']:.0f}")
    print(f"{indent}writers: {r['write_rps']:6.1f} req/s, p50 {r['write_p50']:7.1f} ms, "
          f"p95 {r['write_p95']:7.1f} ms, p99 {r['write_p99']:7.1f} ms, max "
          f"{r['write_max']:7.1f} ms, errors {r['write_errors']:.0f}")
    print(f"{indent}CPU used (cores busy): gunicorn {r['cpu_server']:.2f}, this client "
          f"{r['cpu_client']:.2f}; write-ahead log at the end: {r['wal_mb']:.1f} MiB")
    print(f"{indent}audit chain intact: {'yes' if r['audit_ok'] == 1 else 'NO'}; lock errors, "
          f"tracebacks or worker timeouts in gunicorn's stderr: {len(r['stderr'])}")
    for line in r["stderr"][:5]:
        print(f"{indent}  {line[:200]}")


if __name__ == "__main__":
    main()
