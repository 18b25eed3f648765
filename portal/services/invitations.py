"""Invitations: staff invite a customer's first owner (and colleagues on staff); owners invite
colleagues. The e-mailed link lets the invitee choose a password."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    STAFF_ROLES,
    CustomerRole,
    Invitation,
    InvitationStatus,
    Organization,
    Permission,
    Role,
    User,
    utcnow,
)
from portal.services import ServiceError, audit, mail, sessions
from portal.services.accounts import (
    find_user,
    normalise_email,
    set_password,
    validate_new_password,
)
from portal.services.context import Actor
from portal.services.users import role_names


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_may_invite(inviter: User | None, organization: Organization | None,
                      role: Role) -> None:
    if inviter is None:  # the system itself (CLI bootstrap)
        return
    if inviter.is_customer:
        allowed = inviter.can(Permission.MANAGE_USERS) and organization is not None \
            and organization.id == inviter.organization_id and role == Role.CUSTOMER
    elif inviter.is_staff_admin:
        allowed = (organization is None) == (role in STAFF_ROLES)
    elif inviter.is_staff:
        allowed = organization is not None and role == Role.CUSTOMER
    else:
        allowed = False
    if not allowed:
        raise ServiceError(_("You may not invite someone with this role."), field="role")


def _issue(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _digest(token)
    invitation.expires_at = utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])
    return token


def _send(invitation: Invitation, token: str, inviter: User | None) -> None:
    org = invitation.organization
    mail.send(
        "invitation", invitation.email,
        _l("Invitation to the Voxio data processing agreement portal"),
        invitation=invitation, token=token, inviter=inviter, organization=org,
        days=current_app.config["INVITATION_DAYS"],
    )


def invite(organization: Organization | None, email: str, name: str, role: Role,
           actor: Actor, *, roles=(), commit: bool = True) -> Invitation:
    """Invite ``email`` to ``organization`` (None: Voxio staff) with ``role``; a customer's
    person gets ``roles`` (none: a member, who reads)."""
    inviter = actor.user
    roles = frozenset(CustomerRole(r) for r in roles) - {CustomerRole.MEMBER}
    if roles and role != Role.CUSTOMER:
        raise ServiceError(_("You may not invite someone with this role."), field="roles")
    _check_may_invite(inviter, organization, role)
    email = normalise_email(email)
    if find_user(email) is not None:
        raise ServiceError(_("This address already has an account."), field="email")
    open_ = db.session.scalar(select(Invitation).where(
        Invitation.email == email, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow(),
    ))
    if open_ is not None:
        raise ServiceError(_("An invitation for this address is still open; resend it from "
                             "the list instead."), field="email")
    invitation = Invitation(
        organization=organization, email=email, name=name.strip(), role=role,
        invited_by_id=inviter.id if inviter else None, token_hash="", expires_at=utcnow(),
    )
    invitation.customer_roles = roles
    token = _issue(invitation)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.created", actor=actor, organization=organization, obj=invitation,
                 details={"email": email, "role": role.value,
                          **({"roles": role_names(roles)} if role == Role.CUSTOMER else {})})
    _send(invitation, token, inviter)
    if commit:
        db.session.commit()
    return invitation


def resend(invitation: Invitation, actor: Actor) -> None:
    """Send a fresh link (the old one stops working) with a new expiry date."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ServiceError(_("This invitation is closed."))
    _check_may_invite(actor.user, invitation.organization, invitation.role)
    token = _issue(invitation)
    audit.record("invitation.resent", actor=actor, organization=invitation.organization_id,
                 obj=invitation)
    _send(invitation, token, actor.user)
    db.session.commit()


def revoke(invitation: Invitation, actor: Actor) -> None:
    if invitation.accepted_at or invitation.revoked_at:
        raise ServiceError(_("This invitation is closed."))
    _check_may_invite(actor.user, invitation.organization, invitation.role)
    invitation.revoked_at = utcnow()
    audit.record("invitation.revoked", actor=actor, organization=invitation.organization_id,
                 obj=invitation)
    db.session.commit()


def find_open(token: str) -> Invitation | None:
    """The open invitation for a link's token, or None (unknown, used, revoked or expired)."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _digest(token))
    )
    if invitation is None or invitation.status(utcnow()) != InvitationStatus.OPEN:
        return None
    return invitation


def accept(token: str, name: str, password: str, actor: Actor) -> tuple[User, str]:
    """Create the account, sign it in; returns the user and the session token."""
    invitation = find_open(token)
    if invitation is None:
        raise ServiceError(_("This invitation link is no longer valid. Ask for a new one."))
    if find_user(invitation.email) is not None:
        raise ServiceError(_("This address already has an account. Sign in instead."))
    org_name = invitation.organization.name if invitation.organization else ""
    validate_new_password(password, invitation.email, name, org_name)
    user = User(email=invitation.email, name=name.strip(), role=invitation.role,
                organization_id=invitation.organization_id, password_hash="")
    user.customer_roles = invitation.customer_roles
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    user_actor = actor.as_user(user)
    audit.record("invitation.accepted", actor=user_actor, organization=invitation.organization_id,
                 obj=invitation)
    token_ = sessions.open_session(user, user_actor, used_totp=False)
    audit.record("auth.login", actor=user_actor, organization=user.organization_id, obj=user,
                 details={"second_factor": False, "via": "invitation"})
    db.session.commit()
    return user, token_


def list_for(organization: Organization | None) -> list[Invitation]:
    stmt = select(Invitation).order_by(Invitation.created_at.desc())
    if organization is None:
        stmt = stmt.where(Invitation.organization_id.is_(None))
    else:
        stmt = stmt.where(Invitation.organization_id == organization.id)
    return list(db.session.scalars(stmt))
