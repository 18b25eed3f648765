from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from portal.extensions import db
from portal.forms import ActionForm, AuditFilterForm, apply_error
from portal.models import Invitation, Role, User
from portal.organization import bp
from portal.organization.forms import InviteForm, RoleForm
from portal.services import ServiceError, audit, invitations, users
from portal.web import current_actor, customer_required, owner_required, paginate


@bp.get("/")
@customer_required
def overview():
    org = current_user.organization
    return render_template(
        "organization/overview.html", org=org, members=users.members(org),
        invitations=invitations.list_for(org) if current_user.is_owner else [],
        role_form=RoleForm(), action_form=ActionForm(),
    )


@bp.route("/invite", methods=["GET", "POST"])
@owner_required
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitations.invite(current_user.organization, form.email.data, form.name.data,
                               Role(form.role.data), current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("organization.overview"))
    return render_template("organization/invite.html", form=form)


@bp.post("/members/<int:user_id>/role")
@owner_required
def change_role(user_id: int):
    member = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            users.change_role(member, Role(form.role.data), current_actor())
            flash(_("The role of %(name)s has been changed.", name=member.name), "success")
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("organization.overview"))


@bp.post("/members/<int:user_id>/active")
@owner_required
def set_active(user_id: int):
    member = db.get_or_404(User, user_id)
    activate = request.form.get("active") == "1"
    if ActionForm().validate_on_submit():
        try:
            users.set_active(member, activate, current_actor())
            flash(_("%(name)s has been given access again.", name=member.name) if activate
                  else _("%(name)s no longer has access.", name=member.name), "success")
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("organization.overview"))


@bp.post("/invitations/<int:invitation_id>/<action>")
@owner_required
def invitation_action(invitation_id: int, action: str):
    invitation = db.get_or_404(Invitation, invitation_id)
    handlers = {"resend": invitations.resend, "revoke": invitations.revoke}
    if action not in handlers:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            handlers[action](invitation, current_actor())
            flash(_("The invitation has been sent again.") if action == "resend"
                  else _("The invitation has been withdrawn."), "success")
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("organization.overview"))


@bp.get("/audit")
@owner_required
def audit_log():
    form = AuditFilterForm(request.args)
    page = paginate(audit.events_query(form.filters(current_user.organization_id)))
    return render_template("organization/audit.html", form=form, page=page)


@bp.get("/audit.csv")
@owner_required
def audit_csv():
    org = current_user.organization
    filters = AuditFilterForm(request.args).filters(org.id)
    rows = audit.export_csv(filters, current_actor(), org)
    filename = secure_filename(f"audit-{org.customer_number}.csv") or "audit.csv"
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
