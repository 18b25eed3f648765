"""A customer's organization: its people, invitations and audit log."""

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.models import Invitation, Permission, User
from portal.services import access_list, audit, invitations, users
from portal.web import memberships
from portal.web.context import current_actor
from portal.web.forms import ActionForm, AuditFilterForm, RolesForm
from portal.web.guards import customer_required, permission_required
from portal.web.organization.forms import InviteForm
from portal.web.responses import csv_response, paginate

bp = Blueprint("organization", __name__, url_prefix="/organization")


@bp.get("/")
@customer_required
def overview():
    org = current_user.organization
    return render_template(
        "organization/overview.html", org=org, members=users.members(org),
        review_due=access_list.due_on(org), review_overdue=access_list.is_due(org),
        invitations=invitations.list_for(org) if current_user.can(Permission.MANAGE_USERS)
        else [],
        roles_form=RolesForm(), action_form=ActionForm(),
    )


@bp.get("/access.csv")
@permission_required(Permission.MANAGE_USERS)
def access_csv():
    org = current_user.organization
    return csv_response(access_list.export_csv(org, current_actor()),
                        f"toegang-{org.customer_number}.csv")


@bp.post("/access/review")
@permission_required(Permission.MANAGE_USERS)
def confirm_access_review():
    if ActionForm().validate_on_submit():
        access_list.confirm_review(current_user.organization, current_actor())
        flash(_("Thank you: the access review is recorded. We will remind you when the next "
                "one is due."), "success")
    return redirect(url_for("organization.overview"))


@bp.route("/invite", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def invite():
    form = InviteForm()
    if memberships.invite(current_user.organization, form):
        return redirect(url_for("organization.overview"))
    return render_template("organization/invite.html", form=form)


@bp.post("/members/<int:user_id>/role")
@permission_required(Permission.MANAGE_USERS)
def change_role(user_id: int):
    memberships.change_role(db.get_or_404(User, user_id))
    return redirect(url_for("organization.overview"))


@bp.post("/members/<int:user_id>/active")
@permission_required(Permission.MANAGE_USERS)
def set_active(user_id: int):
    memberships.set_active(db.get_or_404(User, user_id))
    return redirect(url_for("organization.overview"))


@bp.post("/invitations/<int:invitation_id>/<action>")
@permission_required(Permission.MANAGE_USERS)
def invitation_action(invitation_id: int, action: str):
    memberships.invitation_action(db.get_or_404(Invitation, invitation_id), action)
    return redirect(url_for("organization.overview"))


@bp.get("/audit")
@permission_required(Permission.READ_AUDIT_LOG)
def audit_log():
    form = AuditFilterForm(request.args)
    page = paginate(audit.events_query(form.filters(current_user.organization_id)))
    return render_template("organization/audit.html", form=form, page=page)


@bp.get("/audit.csv")
@permission_required(Permission.READ_AUDIT_LOG)
def audit_csv():
    org = current_user.organization
    filters = AuditFilterForm(request.args).filters(org.id)
    rows = audit.export_csv(filters, current_actor(), org)
    return csv_response(rows, f"audit-{org.customer_number}.csv")
