"""The customer's view of sub-processors: what serves its services, notices, objections."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.agreement import bp
from portal.forms import apply_error
from portal.services import ServiceError, notifications, objections, subprocessors
from portal.web import current_actor, customer_required, owner_required, subprocessor_export


class ObjectionForm(FlaskForm):
    reason = TextAreaField(_l("Why is this sub-processor unacceptable for your organization?"),
                           validators=[Length(max=objections.REASON_MAX)],
                           render_kw={"rows": 4, "maxlength": objections.REASON_MAX})


@bp.get("/subprocessors")
@customer_required
def my_subprocessors():
    org = current_user.organization
    items = subprocessors.for_organization(org)
    fmt = request.args.get("format")
    if fmt in ("csv", "json"):
        return subprocessor_export(items, fmt, f"subverwerkers-{org.customer_number}")
    notices = notifications.notices_for(org)
    history = objections.for_organization(org)  # newest first
    latest = {}
    for objection in history:
        latest.setdefault(objection.announcement_id, objection)
    return render_template("agreement/subprocessors.html", items=items, notices=notices,
                           latest_objections=latest, history=history,
                           has_choices=bool(subprocessors.chosen_services(org)),
                           services=subprocessors.service_items(),
                           countries=subprocessors.countries(items),
                           deadline_passed=objections.deadline_passed, form=ObjectionForm())


@bp.route("/subprocessors/<int:announcement_id>/object", methods=["GET", "POST"])
@owner_required
def object_to(announcement_id: int):
    org = current_user.organization
    notice = notifications.notice_for(org, announcement_id)
    if notice is None:
        abort(404)
    form = ObjectionForm()
    if form.validate_on_submit():
        try:
            objections.submit(org, notice.announcement, form.reason.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Your objection has been sent. Voxio will contact you; you can follow its "
                    "status here."), "success")
            return redirect(url_for("agreement.my_subprocessors"))
    return render_template("agreement/object.html", form=form, ann=notice.announcement,
                           deadline_passed=objections.deadline_passed(notice.announcement),
                           existing=objections.open_objection(org, notice.announcement))
