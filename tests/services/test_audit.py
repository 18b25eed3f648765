"""The hash-chained audit log: appends, verification, tamper detection, concurrency."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.extensions import db
from portal.models import AuditEvent
from portal.services import audit
from portal.services.context import Actor, cli_actor
from tests.workers import append_audit_events


def _append(n: int, **details) -> None:
    for i in range(n):
        audit.record("test.event", actor=cli_actor(), details={"i": i, **details})
    db.session.commit()


def _disable_append_only() -> None:
    """What an attacker with database access would do first."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
    db.session.commit()


def test_chain_of_appended_events_verifies(db):
    _append(5)
    report = audit.verify_chain()
    assert report.ok and report.checked == 5
    seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == [1, 2, 3, 4, 5]


def test_each_event_links_to_the_previous_hash(db):
    _append(3)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert events[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_database_refuses_updates_and_deletes(db):
    _append(1)
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(text("UPDATE audit_events SET action = 'x'"))
    db.session.rollback()
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()


@pytest.mark.parametrize(("tampering", "broken_seq", "reason"), [
    ("UPDATE audit_events SET details = '{}' WHERE seq = 3", 3, "altered"),
    ("DELETE FROM audit_events WHERE seq = 2", 2, "missing"),
    ("DELETE FROM audit_events WHERE seq >= 4", 4, "deleted"),
], ids=["an-edited-row-is-named-as-the-first-broken-link", "a-deleted-row-is-detected",
        "deleting-the-newest-rows-is-detected-through-the-head"])
def test_tampering_with_the_chain_is_detected(db, tampering, broken_seq, reason):
    _append(5)
    _disable_append_only()
    db.session.execute(text(tampering))
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == broken_seq and reason in report.reason


def test_a_forked_link_is_refused_not_stored(db):
    """A writer that skipped the head lock cannot silently fork the chain: seq is unique."""
    _append(1)
    first = db.session.scalar(select(AuditEvent))
    clone = AuditEvent(seq=first.seq, created_at=first.created_at, actor_label="x",
                       action="fork", details="{}", prev_hash=first.prev_hash, hash="f" * 64)
    db.session.add(clone)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_control_characters_are_encoded(db):
    event = audit.record("test.controls", actor=Actor(
        label_override="eve\r\nFAKE LINE", user_agent="bad\x1b[31magent\u202e"),
        details={"note": "line1\nline2\x00"})
    db.session.commit()
    assert "\n" not in event.actor_label and "\\u000a" in event.actor_label
    assert "\x1b" not in event.user_agent and "\\u202e" in event.user_agent
    assert "\\u0000" in event.details and "\n" not in event.details
    assert audit.verify_chain().ok


def test_csv_export_neutralises_formulas(db):
    audit.record("test.csv", actor=Actor(label_override="=HYPERLINK(\"http://x\")"))
    db.session.commit()
    lines = "".join(audit.csv_rows(db.session.scalars(select(AuditEvent)))).splitlines()
    assert lines[0].startswith("seq,")
    assert "'=HYPERLINK" in lines[1]


def test_cli_verify_reports_and_exits_nonzero_when_broken(db, runner):
    _append(3)  # committed: the command reads the database
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "3 events verified" in ok.output
    _disable_append_only()
    db.session.execute(text("UPDATE audit_events SET action = 'tampered' WHERE seq = 2"))
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "#2" in broken.output


@pytest.mark.slow
def test_chain_stays_linear_with_four_processes_writing_at_once(db, database_url, tmp_path):
    workers, per_worker = 4, 25
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=append_audit_events,
                      args=(database_url, str(tmp_path / f"w{i}"), i, per_worker))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    db.session.expire_all()  # the processes wrote; read what they stored
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert total == workers * per_worker
    report = audit.verify_chain()
    assert report.ok, report.reason
    assert report.checked == workers * per_worker
    writers = db.session.scalars(select(AuditEvent.actor_label).distinct()).all()
    assert len(writers) == workers
