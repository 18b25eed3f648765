"""A process killed between writing a document and committing its row leaves a file no row
names; the daily sweep removes it once it is older than a grace period, and nothing else."""

from __future__ import annotations

import multiprocessing
import os
import time
from datetime import timedelta

from sqlalchemy import func, select

from portal.models import AuditEvent, PreparedDocument
from portal.services import orphans, preparation, storage
from portal.services.context import cli_actor
from tests.workers import prepare_and_die_before_commit


def test_a_file_left_by_a_crash_before_commit_is_swept_and_kept_files_stay(
        app, db, database_url, customer, create_revision, runner):
    create_revision(customer.org, customer.owner)
    kept = preparation.prepare(customer.org, customer.owner, cli_actor("test"))
    create_revision(customer.org, customer.owner, disposition="return")  # new choices: a new file
    ids, kept_key = (customer.org.id, customer.owner.id), kept.file_key
    db.session.commit()  # and touch nothing: on SQLite a read would hold the write lock
    process = multiprocessing.get_context("spawn").Process(
        target=prepare_and_die_before_commit,
        args=(database_url, app.config["INSTANCE_PATH"], *ids))
    process.start()
    process.join(timeout=120)
    assert process.exitcode == -9  # killed, as by the OOM killer or a power cut
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PreparedDocument)) == 1
    left = set(storage.all_keys()) - {kept_key}
    assert len(left) == 1  # complete, encrypted, and named by no row

    assert orphans.sweep(cli_actor("test")) == []  # too young: it may be a commit in flight
    (orphan,) = left
    old = time.time() - orphans.GRACE.total_seconds() - 60
    os.utime(storage._path(orphan), (old, old))
    swept = runner.invoke(args=["storage", "sweep"])
    assert "removed 1" in swept.output
    assert set(storage.all_keys()) == {kept_key}
    assert preparation.prepared_pdf(kept).startswith(b"%PDF-")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "storage.orphan_removed")) == 1
    assert orphans.sweep(cli_actor("test"), grace=timedelta(0)) == []
