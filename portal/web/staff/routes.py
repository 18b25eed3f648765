"""Voxio staff: customers, their people and agreements, staff accounts, audit log, outbox."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Invitation, Organization, OutboxMessage, StaffAlert, User
from portal.services import (
    ServiceError,
    access_list,
    agreements,
    audit,
    invitations,
    monitoring,
    organizations,
    sign_reminders,
    signed_copies,
    users,
    versions,
)
from portal.services.organizations import OrganizationData
from portal.web import memberships
from portal.web.context import current_actor
from portal.web.forms import (
    ActionForm,
    AuditFilterForm,
    RolesForm,
    StaffRoleForm,
    apply_error,
    merge_into,
    taken_over_message,
)
from portal.web.guards import staff_admin_required, staff_required
from portal.web.responses import csv_response, paginate, signed_pdf_download
from portal.web.staff.forms import (
    InviteCustomerUserForm,
    InviteStaffForm,
    NewOrganizationForm,
    OrganizationForm,
    SignByForm,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.before_request
@staff_required
def _staff_only():
    return None


def _org_data(form: OrganizationForm) -> OrganizationData:
    return OrganizationData(**{name: getattr(form, name).data.strip()
                               for name in OrganizationData.__dataclass_fields__})


@bp.get("/")
def index():
    return redirect(url_for("staff.customers"))


@bp.get("/customers")
def customers():
    term = request.args.get("q", "")[:100]
    flag = request.args.get("flag", "")
    flag = flag if flag in organizations.FLAG_FILTERS else ""
    page = paginate(organizations.search(term, flag), per_page=25)
    ids = [org.id for org in page.items]
    return render_template("staff/customers.html", page=page, q=term, flag=flag,
                           overdue=sign_reminders.overdue_among(ids),
                           user_counts=organizations.user_counts(page.items),
                           latest=agreements.latest_by_organization(ids),
                           signed=signed_copies.current_by_organization(ids))


@bp.route("/customers/new", methods=["GET", "POST"])
def new_customer():
    form = NewOrganizationForm()
    if form.validate_on_submit():
        try:
            org = organizations.create(_org_data(form), form.owner_email.data,
                                       form.owner_name.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("%(name)s has been added; %(email)s has been invited as owner.",
                    name=org.name, email=form.owner_email.data), "success")
            return redirect(url_for("staff.customer", org_id=org.id))
    return render_template("staff/customer_form.html", form=form, org=None)


@bp.get("/customers/<int:org_id>")
def customer(org_id: int):
    org = db.get_or_404(Organization, org_id)
    organizations.record_staff_view(org, current_actor())
    return _customer_page(org, InviteCustomerUserForm())


def _customer_page(org: Organization, invite_form, status: int = 200, sign_by_form=None):
    events = db.session.scalars(
        audit.events_query(audit.EventFilter(organization_id=org.id)).limit(10))
    revs = agreements.revisions(org)
    return render_template(
        "staff/customer.html", org=org, members=users.members(org),
        invitations=invitations.list_for(org), events=list(events),
        invite_form=invite_form, action_form=ActionForm(), roles_form=RolesForm(),
        revisions=revs, changes=agreements.changes_by_number(revs),
        signed=signed_copies.agreements_of(org),
        sign_by_form=sign_by_form or SignByForm(formdata=None, sign_by=org.sign_by),
        overdue=bool(sign_reminders.overdue_among([org.id])),
    ), status


@bp.post("/customers/<int:org_id>/sign-by")
def set_sign_by(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = SignByForm()
    if form.validate_on_submit():
        try:
            changed = sign_reminders.set_sign_by(org, form.sign_by.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            if changed and org.sign_by:
                flash(_("The customer is asked to sign by %(date)s and reminded by e-mail "
                        "until it has signed.", date=format_date(org.sign_by, "long")),
                      "success")
            elif changed:
                flash(_("The date to sign by has been removed; reminders stop."), "success")
            return redirect(url_for("staff.customer", org_id=org.id, _anchor="sign-by"))
    return _customer_page(org, InviteCustomerUserForm(formdata=None), 422, sign_by_form=form)


@bp.get("/customers/<int:org_id>/signed/<int:number>/download")
def download_signed(org_id: int, number: int):
    org = db.get_or_404(Organization, org_id)
    return signed_pdf_download(signed_copies.by_number(org, number) or abort(404))


@bp.get("/customers/<int:org_id>/agreement/<int:number>")
def customer_revision(org_id: int, number: int):
    org = db.get_or_404(Organization, org_id)
    rev = agreements.revision(org, number) or abort(404)
    organizations.record_staff_view(org, current_actor(), what=f"choices revision {number}")
    return render_template("staff/customer_revision.html", org=org, rev=rev,
                           document_html=agreements.document_html(org, rev))


@bp.route("/customers/<int:org_id>/edit", methods=["GET", "POST"])
def edit_customer(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = OrganizationForm(obj=org)
    if not form.is_submitted():
        form.opened.data = organizations.base(org)
    stale = None
    if form.validate_on_submit():
        try:
            taken = organizations.update(org, _org_data(form), current_actor(),
                                         form.opened.data)
        except versions.StaleEdit as error:
            stale = error
            merge_into(form, error)
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("The customer's details have been saved."), "success")
            if taken:
                flash(taken_over_message(form, taken), "info")
            return redirect(url_for("staff.customer", org_id=org.id))
    return render_template("staff/customer_form.html", form=form, org=org, stale=stale), \
        409 if stale else 200


@bp.get("/customers/<int:org_id>/access.csv")
def customer_access_csv(org_id: int):
    org = db.get_or_404(Organization, org_id)
    return csv_response(access_list.export_csv(org, current_actor()),
                        f"toegang-{org.customer_number}.csv")


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge_alert(alert_id: int):
    if ActionForm().validate_on_submit():
        monitoring.acknowledge(db.get_or_404(StaffAlert, alert_id), current_actor())
        flash(_("Alert acknowledged."), "success")
    return redirect(url_for("main.dashboard"))


@bp.post("/customers/<int:org_id>/invite")
def invite_customer_user(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = InviteCustomerUserForm()
    if memberships.invite(org, form):
        return redirect(url_for("staff.customer", org_id=org.id))
    return _customer_page(org, form, 422)


@bp.route("/staff-users", methods=["GET", "POST"])
@staff_admin_required
def staff_users():
    form = InviteStaffForm()
    if memberships.invite(None, form):
        return redirect(url_for("staff.staff_users"))
    return render_template("staff/staff_users.html", members=users.staff_users(),
                           invitations=invitations.list_for(None), form=form,
                           action_form=ActionForm(), role_form=StaffRoleForm())


def _back_to(user: User | Invitation):
    if user.organization_id:
        return redirect(url_for("staff.customer", org_id=user.organization_id))
    return redirect(url_for("staff.staff_users"))


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    target = db.get_or_404(User, user_id)
    memberships.change_role(target)
    return _back_to(target)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    target = db.get_or_404(User, user_id)
    memberships.set_active(target)
    return _back_to(target)


@bp.post("/invitations/<int:invitation_id>/<action>")
def invitation_action(invitation_id: int, action: str):
    invitation = db.get_or_404(Invitation, invitation_id)
    memberships.invitation_action(invitation, action)
    return _back_to(invitation)


def _audit_org_id() -> int | None:
    return request.args.get("organization", type=int)


@bp.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    org_id = _audit_org_id()
    page = paginate(audit.events_query(form.filters(org_id)))
    org = db.session.get(Organization, org_id) if org_id else None
    return render_template("staff/audit.html", form=form, page=page, org=org,
                           verify_form=ActionForm())


@bp.get("/audit.csv")
def audit_csv():
    filters = AuditFilterForm(request.args).filters(_audit_org_id())
    return csv_response(audit.export_csv(filters, current_actor()), "audit.csv")


@bp.post("/audit/verify")
def verify_audit():
    if ActionForm().validate_on_submit():
        report = audit.verify_chain()
        if report.ok:
            flash(ngettext("The audit chain is intact: %(num)d event verified.",
                           "The audit chain is intact: %(num)d events verified.", report.checked),
                  "success")
        else:
            flash(_("The audit chain is broken at event #%(seq)s: %(reason)s",
                    seq=report.broken_seq, reason=report.reason), "error")
    return redirect(url_for("staff.audit_log"))


def _outbox_only():
    # With SMTP configured the outbox is not in use; never show stale links.
    if current_app.config["MAIL_SERVER"]:
        abort(404)


@bp.get("/outbox")
def outbox():
    _outbox_only()
    page = paginate(db.select(OutboxMessage).order_by(OutboxMessage.id.desc()), per_page=25)
    return render_template("staff/outbox.html", page=page)


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    _outbox_only()
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("staff/outbox_message.html", message=message)
