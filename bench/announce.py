"""Announcing a sub-processor change to many customers.

    make bench-announce            (or: .venv/bin/python -m bench.announce)
    BENCH_CUSTOMERS=100000 DATABASE_URL=postgresql://root@127.0.0.1/bench make bench-announce

Generates N customer organizations whose chosen services include e-mail, announces a new
e-mail sub-processor through the service the staff page calls, and measures: the time until the
call returns (what the staff member waits for), the time until the real task queue's worker
(Huey, SQLite or Redis) has created every in-portal notice, and peak memory. A second, smaller
run (BENCH_MAIL_CUSTOMERS, default 1,000, one owner each) measures e-mail throughput.
"""

from __future__ import annotations

import logging
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
MAIL_CUSTOMERS = int(os.environ.get("BENCH_MAIL_CUSTOMERS", "1000"))


def main() -> None:
    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-announce-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    from portal.app import create_app
    from portal.config import normalise_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "INSTANCE_PATH": str(folder), "PUBLIC_URL": "http://127.0.0.1:5000",
                      "SECRET_KEY": "bench-secret-key-0123456789-0123456789",
                      "MAIL_SERVER": None})
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · "
          f"Python {sys.version.split()[0]} · database {url.split(':')[0]} · queue "
          f"{'Redis' if app.config['REDIS_URL'] else 'SQLite (Huey)'}")
    with app.app_context():
        _reset(app)
        _run(app, CUSTOMERS, with_owners=False)
        _reset(app)
        _run(app, MAIL_CUSTOMERS, with_owners=True)


def _reset(app) -> None:
    from flask_migrate import upgrade

    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.remove()
        with db.engine.begin() as conn:  # no worker connection may keep a lock on the tables
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                              "datname = current_database() AND pid <> pg_backend_pid()"))
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
    else:
        db.session.remove()
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(db.engine.url.database + suffix).unlink(missing_ok=True)
    upgrade()
    from portal import tasks

    tasks.huey.flush()


def _run(app, customers: int, *, with_owners: bool) -> None:
    from sqlalchemy import func, insert, select

    from portal import tasks
    from portal.extensions import db
    from portal.models import Notice, Organization, OrganizationService, OutboxMessage, User
    from portal.services import announcements, subprocessors
    from portal.services.context import Actor
    from portal.services.passwords import hash_password

    start = time.perf_counter()
    rows = [{"name": f"Klant {i} B.V.", "kvk_number": f"{i:08d}",
             "customer_number": f"BX-{i:06d}", "address": "Straat 1", "postal_code": "1234 AB",
             "city": "Utrecht", "country": "NL", "created_at": datetime.now(UTC)}
            for i in range(customers)]
    for chunk in range(0, customers, 10_000):
        db.session.execute(insert(Organization), rows[chunk:chunk + 10_000])
    ids = db.session.scalars(select(Organization.id)).all()
    db.session.execute(insert(OrganizationService),
                       [{"organization_id": i, "service": "email"} for i in ids])
    if with_owners:
        pw = hash_password("bench password that is long enough")
        db.session.execute(insert(User), [
            {"email": f"owner{i}@example.com", "name": f"Eigenaar {i}", "password_hash": pw,
             "role": "customer", "is_owner": True, "is_privacy_contact": True,
             "organization_id": i, "active": True,
             "created_at": datetime.now(UTC), "password_changed_at": datetime.now(UTC)}
            for i in ids])
    db.session.commit()
    print(f"\n{customers:,} customers{' with an owner each' if with_owners else ''} "
          f"generated in {time.perf_counter() - start:.1f} s")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    announcements.announce(
        "add", reason="Benchmark", actor=Actor(label_override="bench"),
        effective_on=datetime.now(UTC).date() + timedelta(days=31),
        data=subprocessors.SubProcessorData("Postbode", "Postbode B.V.", "Mail", ("email",),
                                            ("NL",)))
    returned = time.perf_counter() - start
    consumer = tasks.consumer(workers=2)
    consumer._set_signal_handlers = lambda: None
    consumer.start()
    target = customers
    while True:
        db.session.rollback()
        done = db.session.scalar(select(func.count()).select_from(Notice))
        mailed = db.session.scalar(select(func.count()).select_from(Notice)
                                   .where(Notice.mailed_at.is_not(None)))
        db.session.rollback()  # never hold SQLite's write lock while waiting
        if done >= target and mailed >= target:
            break
        time.sleep(0.2)
    all_done = time.perf_counter() - start
    consumer.stop(graceful=True)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    print(f"  announce call returned after {returned * 1000:.0f} ms")
    print(f"  every notice created and processed after {all_done:.1f} s "
          f"({customers / all_done:,.0f} customers/s), {mails:,} e-mails written")
    print(f"  peak RSS {rss_after / 1024:.0f} MiB (before announcing {rss_before / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
