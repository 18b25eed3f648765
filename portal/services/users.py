"""Who may do what: role changes and (de)activation, reviewed by owners and staff admins
(Bijlage 2: periodic review of granted permissions)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CUSTOMER_ROLES, STAFF_ROLES, Organization, Role, User
from portal.services import ServiceError, audit, sessions
from portal.services.context import Actor


def _check_may_manage(manager: User, target: User, new_role: Role | None = None) -> None:
    if target.id == manager.id:
        raise ServiceError(_("You cannot change your own role or access."))
    if target.is_staff:
        allowed = manager.is_staff_admin and (new_role is None or new_role in STAFF_ROLES)
    elif manager.is_owner:
        allowed = target.organization_id == manager.organization_id and (
            new_role is None or new_role in CUSTOMER_ROLES)
    else:
        allowed = manager.is_staff and (new_role is None or new_role in CUSTOMER_ROLES)
    if not allowed:
        raise ServiceError(_("You may not change this person's role or access."))


def _active_owner_count(organization_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.organization_id == organization_id, User.role == Role.CUSTOMER_OWNER,
        User.active.is_(True),
    ))


def _keeps_an_owner(target: User, new_role: Role | None, active: bool) -> None:
    losing_owner = target.role == Role.CUSTOMER_OWNER and target.active and (
        not active or (new_role is not None and new_role != Role.CUSTOMER_OWNER))
    if losing_owner and _active_owner_count(target.organization_id) <= 1:
        raise ServiceError(_("An organization needs at least one active owner. Make someone "
                             "else owner first."))


def change_role(target: User, role: Role, actor: Actor) -> None:
    """Change a role; it applies from the target's next request."""
    if role == target.role:
        return
    _check_may_manage(actor.user, target, role)
    if target.is_customer:
        _keeps_an_owner(target, role, target.active)
    old = target.role
    target.role = role
    audit.record("user.role_changed", actor=actor, organization=target.organization_id,
                 obj=target, details={"from": old.value, "to": role.value})
    db.session.commit()


def set_active(target: User, active: bool, actor: Actor) -> None:
    """Deactivate (ends every session at once) or reactivate an account."""
    if active == target.active:
        return
    _check_may_manage(actor.user, target)
    if target.is_customer:
        _keeps_an_owner(target, None, active)
    target.active = active
    ended = 0 if active else sessions.revoke_all(target, reason="deactivated")
    audit.record("user.activated" if active else "user.deactivated", actor=actor,
                 organization=target.organization_id, obj=target,
                 details={"sessions_ended": ended})
    db.session.commit()


def members(organization: Organization) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.organization_id == organization.id)
        .order_by(User.active.desc(), User.name)
    ))


def staff_users() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.active.desc(), User.name)
    ))


def active_staff() -> list[User]:
    """Every active Voxio staff member (both roles handle objections)."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(STAFF_ROLES), User.active.is_(True))
        .execution_options(unscoped=True)))


def active_staff_admins() -> list[User]:
    """Staff administrators who receive alerts (outside any customer's scope on purpose)."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.STAFF_ADMIN, User.active.is_(True))
        .execution_options(unscoped=True)))
