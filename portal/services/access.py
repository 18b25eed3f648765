"""Refused access, in the audit log: a customer probing another organization's addresses
gets "not found", and staff can see that it happened (Bijlage 2: logging of access).

At most :data:`PER_HOUR` such events per user an hour, so a scan of thousands of addresses
leaves a readable trace, not a flood.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, utcnow
from portal.services import audit
from portal.services.context import Actor

PER_HOUR = 20


def refused(actor: Actor, path: str, status: int, endpoint: str) -> bool:
    """Record that ``actor`` was refused ``path``; False when this hour's quota is used."""
    if actor.user is None:
        return False
    db.session.rollback()  # the refused request wrote nothing; start clean
    recent = db.session.scalar(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.action == "access.refused", AuditEvent.actor_id == actor.user.id,
               AuditEvent.created_at > utcnow() - timedelta(hours=1))
        .execution_options(unscoped=True))
    if recent >= PER_HOUR:
        return False
    audit.record("access.refused", actor=actor, organization=actor.user.organization_id,
                 details={"path": path[:300], "status": status, "endpoint": endpoint,
                          "last_this_hour": recent + 1 == PER_HOUR})
    db.session.commit()
    return True
