"""The audit log: append events in the caller's transaction, verify the hash chain, export.

Bijlage 2 promises automatic logging of all actions on personal data. Each event's hash covers
its fields and the previous event's hash (SHA-256), so editing or deleting any row breaks the
chain from that point on. Appends are serialised on the single ``audit_chain_head`` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every transaction already holds the write
lock from ``BEGIN IMMEDIATE``), and ``seq`` is unique, so concurrent writers cannot fork it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import GENESIS_HASH, AuditChainHead, AuditEvent, Organization, utcnow
from portal.services.context import Actor

# C0/C1 controls and bidirectional overrides, which could forge lines or reorder text when the
# log is read in a terminal, a spreadsheet or a browser.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def encode_controls(text: str | None, limit: int | None = None) -> str | None:
    """Replace control characters by visible ``\\uXXXX`` escapes."""
    if text is None:
        return None
    text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text[:limit] if limit else text


def _clean(value):
    if isinstance(value, str):
        return encode_controls(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_HASHED_COLUMNS = (
    AuditEvent.seq, AuditEvent.created_at, AuditEvent.actor_id, AuditEvent.actor_label,
    AuditEvent.organization_id, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
    AuditEvent.ip, AuditEvent.user_agent, AuditEvent.details, AuditEvent.prev_hash,
)


def compute_hash(event) -> str:
    """SHA-256 over the event's fields and its predecessor's hash."""
    fields = [
        event.seq, event.created_at.isoformat(), event.actor_id, event.actor_label,
        event.organization_id, event.action, event.object_type, event.object_id, event.ip,
        event.user_agent, event.details, event.prev_hash,
    ]
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def record(
    action: str,
    *,
    actor: Actor,
    organization: Organization | int | None = None,
    obj: object | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Append an event in the current transaction (flushes, never commits)."""
    head = db.session.execute(
        select(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    org_id = organization.id if isinstance(organization, Organization) else organization
    object_type = object_id = None
    if obj is not None:
        object_type = obj.__class__.__name__
        object_id = str(getattr(obj, "id", "") or "")
    event = AuditEvent(
        seq=head.seq + 1,
        created_at=utcnow(),
        actor_id=actor.user.id if actor.user is not None else None,
        actor_label=encode_controls(actor.label, 254),
        organization_id=org_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=encode_controls(actor.ip, 45),
        user_agent=encode_controls(actor.user_agent, 300),
        details=canonical_json(_clean(details or {})),
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event)
    head.seq, head.hash = event.seq, event.hash
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch: int = 1000) -> ChainReport:
    """Walk the chain in order and name the first broken link."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    while True:
        rows = db.session.execute(
            select(*_HASHED_COLUMNS, AuditEvent.hash)
            .where(AuditEvent.seq >= expected_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
            .execution_options(unscoped=True)
        ).all()
        for event in rows:
            if event.seq != expected_seq:
                return ChainReport(False, checked, expected_seq,
                                   f"event #{expected_seq} is missing (next is #{event.seq})")
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.seq,
                                   f"event #{event.seq} does not link to #{event.seq - 1}")
            if compute_hash(event) != event.hash:
                return ChainReport(False, checked, event.seq,
                                   f"event #{event.seq} was altered (hash mismatch)")
            expected_prev, expected_seq = event.hash, event.seq + 1
            checked += 1
        if len(rows) < batch:
            break
    head = db.session.get(AuditChainHead, 1)
    last_seq = expected_seq - 1
    if head is None or head.seq != last_seq or head.hash != expected_prev:
        head_seq = head.seq if head else "none"
        return ChainReport(False, checked, last_seq + 1,
                           f"chain ends at #{last_seq} but the head records #{head_seq}: "
                           "events at the end were deleted")
    return ChainReport(True, checked)


@dataclass(frozen=True)
class EventFilter:
    action: str = ""
    actor: str = ""
    organization_id: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    def apply(self, stmt: Select) -> Select:
        if self.action:
            stmt = stmt.where(AuditEvent.action.startswith(self.action, autoescape=True))
        if self.actor:
            stmt = stmt.where(AuditEvent.actor_label.contains(self.actor.lower(), autoescape=True))
        if self.organization_id:
            stmt = stmt.where(AuditEvent.organization_id == self.organization_id)
        if self.date_from:
            stmt = stmt.where(AuditEvent.created_at >= self.date_from)
        if self.date_to:
            stmt = stmt.where(AuditEvent.created_at < self.date_to)
        return stmt


def events_query(filters: EventFilter) -> Select:
    """Newest first; for customers the organization scope narrows this automatically."""
    return filters.apply(select(AuditEvent)).order_by(AuditEvent.seq.desc())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    # A leading quote keeps spreadsheets from running cell text as a formula.
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A small export as one CSV text, every cell made safe for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


CSV_HEADER = ["seq", "time_utc", "actor", "organization_id", "action", "object_type",
              "object_id", "ip", "user_agent", "details", "hash"]


def csv_rows(events: Iterable[AuditEvent]) -> Iterator[str]:
    """Stream the events as CSV lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for event in events:
        writer.writerow([safe_cell(v) for v in (
            event.seq, event.created_at.isoformat(), event.actor_label, event.organization_id,
            event.action, event.object_type, event.object_id, event.ip, event.user_agent,
            event.details, event.hash,
        )])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def export_csv(filters: EventFilter, actor: Actor,
               organization: Organization | None = None, batch: int = 500) -> Iterator[str]:
    """Record the export, then stream the matching events as CSV.

    Rows are read in short transactions of ``batch`` events, so a slow download never holds a
    database lock (SQLite) or a snapshot (PostgreSQL) for long.
    """
    record("audit.exported", actor=actor, organization=organization,
           details={"action": filters.action, "actor": filters.actor,
                    "organization_id": filters.organization_id})
    db.session.commit()
    columns = (*_HASHED_COLUMNS, AuditEvent.hash)

    def rows() -> Iterator:
        before = None
        while True:
            stmt = filters.apply(select(*columns)).order_by(AuditEvent.seq.desc()).limit(batch)
            if before is not None:
                stmt = stmt.where(AuditEvent.seq < before)
            chunk = db.session.execute(stmt).all()
            db.session.rollback()
            yield from chunk
            if len(chunk) < batch:
                return
            before = chunk[-1].seq

    return csv_rows(rows())
