"""Who may do what: role changes and (de)activation, reviewed by owners and staff admins
(Bijlage 2: periodic review of granted permissions)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import STAFF_ROLES, CustomerRole, Organization, Permission, Role, User
from portal.services import ServiceError, audit, sessions
from portal.services.context import Actor


def _check_may_manage(manager: User, target: User, staff_role: Role | None = None) -> None:
    if target.id == manager.id:
        raise ServiceError(_("You cannot change your own role or access."))
    if target.is_staff:
        allowed = manager.is_staff_admin and (staff_role is None or staff_role in STAFF_ROLES)
    elif manager.is_customer:
        allowed = manager.can(Permission.MANAGE_USERS) and \
            target.organization_id == manager.organization_id and staff_role is None
    else:
        allowed = manager.is_staff and staff_role is None
    if not allowed:
        raise ServiceError(_("You may not change this person's role or access."))


def _keeps_an_owner(target: User, roles: frozenset[CustomerRole], active: bool) -> None:
    """At least one active owner always remains. The organization's row is locked first, so
    two owners removing each other at once cannot both succeed."""
    if not (target.is_owner and target.active) or (active and CustomerRole.OWNER in roles):
        return
    db.session.scalar(select(Organization.id).where(
        Organization.id == target.organization_id).with_for_update())
    owners = db.session.scalar(select(func.count()).select_from(User).where(
        User.organization_id == target.organization_id, User.is_owner.is_(True),
        User.active.is_(True)))
    if owners <= 1:
        raise ServiceError(_("An organization needs at least one active owner. Make someone "
                             "else owner first."), field="roles")


def set_roles(target: User, roles, actor: Actor) -> None:
    """Give a customer's person exactly ``roles``; it applies from their next request."""
    roles = frozenset(CustomerRole(r) for r in roles) - {CustomerRole.MEMBER}
    if not target.is_customer:
        raise ServiceError(_("You may not change this person's role or access."))
    old = target.customer_roles - {CustomerRole.MEMBER}
    if roles == old:
        return
    _check_may_manage(actor.user, target)
    _keeps_an_owner(target, roles, target.active)
    target.customer_roles = roles
    audit.record("user.role_changed", actor=actor, organization=target.organization_id,
                 obj=target, details={"from": role_names(old), "to": role_names(roles)})
    db.session.commit()


def change_staff_role(target: User, role: Role, actor: Actor) -> None:
    """Make a staff member an administrator or not."""
    if role == target.role:
        return
    _check_may_manage(actor.user, target, role)
    old = target.role
    target.role = role
    audit.record("user.role_changed", actor=actor, obj=target,
                 details={"from": old.value, "to": role.value})
    db.session.commit()


def role_names(roles) -> str:
    """Roles as stored in the audit log: fixed order, comma-separated ("member" for none)."""
    held = [r.value for r in CustomerRole if r in roles and r != CustomerRole.MEMBER]
    return ",".join(held) or CustomerRole.MEMBER.value


def set_active(target: User, active: bool, actor: Actor) -> None:
    """Deactivate (ends every session at once) or reactivate an account."""
    if active == target.active:
        return
    _check_may_manage(actor.user, target)
    if target.is_customer:
        _keeps_an_owner(target, target.customer_roles, active)
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


def holding(organization: Organization, permission: Permission) -> list[User]:
    """The organization's active people who hold ``permission`` (e.g. who receive notices)."""
    return [u for u in organization.users if u.active and u.can(permission)]
