"""Who looked at which page with personal data (Bijlage 2: logging of all actions on personal
data), once per sign-in session and page, so the audit log stays readable.

Downloads and exports have their own events; this covers reading on screen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent
from portal.services import audit
from portal.services.context import Actor

VIEWED = "personal_data.viewed"


@dataclass(frozen=True)
class Page:
    """What the event names: one page in one session (its id is the deduplication key)."""

    id: str


def record(actor: Actor, session_id: int, path: str, endpoint: str,
           organization_id: int | None) -> bool:
    """Log the view unless this session logged this page before; True when logged."""
    if actor.user is None:
        return False
    page = Page(hashlib.sha256(f"{session_id}:{path}".encode()).hexdigest()[:32])
    seen = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == VIEWED, AuditEvent.actor_id == actor.user.id,
        AuditEvent.object_id == page.id).limit(1).execution_options(unscoped=True))
    if seen is not None:
        return False
    audit.record(VIEWED, actor=actor, organization=organization_id, obj=page,
                 details={"page": path[:300], "endpoint": endpoint})
    db.session.commit()
    return True
