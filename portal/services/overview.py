"""What the start page shows each side."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Announcement,
    AuditEvent,
    ChoiceRevision,
    Invitation,
    Notice,
    Objection,
    Organization,
    User,
    utcnow,
)
from portal.services import agreements, signatures


def customer_overview(org: Organization) -> dict:
    users, open_invitations = db.session.execute(select(  # one round trip for both counts
        select(func.count()).select_from(User).where(
            User.organization_id == org.id, User.active.is_(True)).scalar_subquery(),
        select(func.count()).select_from(Invitation).where(
            Invitation.organization_id == org.id, Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow()).scalar_subquery(),
    )).one()
    open_notices = db.session.scalars(
        select(Announcement).join(Notice, Notice.announcement_id == Announcement.id)
        .where(Notice.organization_id == org.id, Announcement.applied_at.is_(None),
               Announcement.withdrawn_at.is_(None),
               Announcement.effective_on > utcnow().date())
        .order_by(Announcement.effective_on)).all()
    latest = agreements.latest_revision(org)
    signed = signatures.current_agreement(org) if latest is not None else None
    return {"organization": org, "users": users, "open_invitations": open_invitations,
            "latest": latest, "open_notices": open_notices, "signed": signed,
            # a newer agreement text from Voxio (art. 12.4) also needs a new signature
            "signed_covers_latest": signed is not None and signed.revision_id == latest.id
            and signed.template_id == agreements.current_template().id}


def staff_overview() -> dict:
    since = utcnow() - timedelta(days=7)
    return {
        "customers": db.session.scalar(select(func.count()).select_from(Organization)),
        "users": db.session.scalar(select(func.count()).select_from(User).where(
            User.active.is_(True))),
        "events_week": db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.created_at >= since)),
        "sensitive_customers": db.session.scalar(
            select(func.count()).select_from(
                agreements.newest_revisions().where(
                    ChoiceRevision.special_categories | ChoiceRevision.criminal_data
                    | ChoiceRevision.national_id).subquery())),
        "open_objections": db.session.scalar(select(func.count()).select_from(Objection).where(
            Objection.status != "resolved")),
        "failed_logins_week": db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.created_at >= since, AuditEvent.action == "auth.login_failed")),
    }
