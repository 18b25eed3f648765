"""Who has access to a customer's agreement, and its periodic review (Bijlage 2: periodic
check of granted permissions): owners and staff export the list; an owner confirms the
review; owners are reminded once when it is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Organization, utcnow
from portal.services import audit, mail, users
from portal.services.context import Actor


def interval() -> timedelta:
    return timedelta(days=current_app.config["ACCESS_REVIEW_DAYS"])


def due_on(org: Organization) -> datetime:
    """When the next review is due: an interval after the last one (or after the start)."""
    return (org.access_reviewed_at or org.created_at) + interval()


def is_due(org: Organization, now: datetime | None = None) -> bool:
    return due_on(org) <= (now or utcnow())


def export_csv(org: Organization, actor: Actor) -> list[str]:
    """The access list as CSV lines; the export is audit-logged."""
    audit.record("organization.access_exported", actor=actor, organization=org, obj=org,
                 details={"users": len(org.users)})
    db.session.commit()
    return [audit.csv_text(
        ("name", "email", "roles", "active", "two_step", "last_sign_in", "access_reviewed_at",
         "access_reviewed_by"),
        ((user.name, user.email, users.role_names(user.customer_roles),
          "yes" if user.active else "no", "on" if user.has_totp else "off",
          user.last_login_at.isoformat() if user.last_login_at else "",
          org.access_reviewed_at.isoformat() if org.access_reviewed_at else "",
          org.access_reviewed_by or "") for user in users.members(org)))]


def confirm_review(org: Organization, actor: Actor) -> None:
    """An owner confirms that everyone listed still needs access."""
    org.access_reviewed_at = utcnow()
    org.access_reviewed_by = actor.user.name if actor.user else actor.label
    audit.record("organization.access_reviewed", actor=actor, organization=org, obj=org,
                 details={"users": len([u for u in org.users if u.active])})
    db.session.commit()


def remind_due(now: datetime | None = None) -> list[str]:
    """E-mail the owners of every customer whose review is due, once per due date; the
    customers reminded (daily job)."""
    now = now or utcnow()
    reminded = []
    last = func.coalesce(Organization.access_reviewed_at, Organization.created_at)
    for org in db.session.scalars(select(Organization).where(last <= now - interval())
                                  .options(selectinload(Organization.users))
                                  .order_by(Organization.id)):
        due = due_on(org)
        if org.access_reminded_at and org.access_reminded_at >= due:
            continue  # reminded of this check already
        owners = [u for u in org.users if u.active and u.is_owner]
        for owner in owners:
            mail.send("access_review_due", owner.email,
                      _l("Please check who has access to your agreement portal"),
                      locale=owner.locale, name=owner.name, organization=org,
                      people=[u for u in org.users if u.active], due=due)
        org.access_reminded_at = now
        reminded.append(org.customer_number)
    db.session.commit()
    return reminded


