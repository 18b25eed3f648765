"""Form actions on people and invitations, shared by the customer and the staff area.

Each runs the service, then tells the user the outcome in a flash message; the calling view
decides where to go next. Who may do what is the services' business (portal.services.users and
portal.services.invitations).
"""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _

from portal.models import Invitation, Organization, Role, User
from portal.services import ServiceError, invitations, users
from portal.web.context import current_actor
from portal.web.forms import ActionForm, RolesForm, StaffRoleForm, apply_error


def invite(organization: Organization | None, form) -> bool:
    """Send the invitation the form describes (``organization`` None: staff); False, with the
    refusal shown at the form's fields, when nothing was sent."""
    if not form.validate_on_submit():
        return False
    if organization is None:
        role, roles = Role(form.role.data), ()
    else:
        role, roles = Role.CUSTOMER, form.roles.data
    try:
        invitations.invite(organization, form.email.data, form.name.data, role,
                           current_actor(), roles=roles)
    except ServiceError as error:
        apply_error(form, error)
        return False
    flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
    return True


def _run(action, success: str) -> None:
    try:
        action()
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(success, "success")


def change_role(target: User) -> None:
    """A customer's person's roles (RolesForm) or a staff member's role (RoleChangeForm)."""
    form = StaffRoleForm() if target.is_staff else RolesForm()
    if not form.validate_on_submit():
        flash(_("The roles could not be changed: choose from the list."), "error")
        return

    def change():
        if target.is_staff:
            users.change_staff_role(target, Role(form.role.data), current_actor())
        else:
            users.set_roles(target, form.roles.data, current_actor())
    _run(change, _("The roles of %(name)s have been changed.", name=target.name))


def set_active(target: User) -> None:
    activate = request.form.get("active") == "1"
    if ActionForm().validate_on_submit():
        _run(lambda: users.set_active(target, activate, current_actor()),
             _("%(name)s has been given access again.", name=target.name) if activate
             else _("%(name)s no longer has access.", name=target.name))


def invitation_action(invitation: Invitation, action: str) -> None:
    if action == "resend":
        run, success = invitations.resend, _("The invitation to %(email)s has been sent again.",
                                             email=invitation.email)
    elif action == "revoke":
        run, success = invitations.revoke, _("The invitation to %(email)s has been withdrawn.",
                                             email=invitation.email)
    else:
        abort(404)
    if ActionForm().validate_on_submit():
        _run(lambda: run(invitation, current_actor()), success)
