"""A customer's view of sub-processors: what serves its services, announced changes, its
objections."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import NoticeKind
from portal.services import deliveries, notifications, objections, subprocessors
from portal.web.context import current_actor
from portal.web.forms import ActionForm
from portal.web.guards import customer_required
from portal.web.subprocessors.forms import ObjectionForm
from portal.web.subprocessors.routes import bp, subprocessor_export


@bp.get("/agreement/subprocessors")
@customer_required
def mine():
    org = current_user.organization
    items = subprocessors.for_organization(org)
    fmt = request.args.get("format")
    if fmt in ("csv", "json"):
        return subprocessor_export(items, fmt, f"subverwerkers-{org.customer_number}")
    notices = notifications.notices_for(org)
    told = [n.announcement_id for n in notices]
    deliveries.mark_seen(NoticeKind.ANNOUNCEMENT, told, current_user)
    history = objections.for_organization(org)  # newest first
    latest = {}
    for objection in history:
        latest.setdefault(objection.announcement_id, objection)
    return render_template("subprocessors/mine.html", items=items, notices=notices,
                           latest_objections=latest, history=history,
                           has_choices=bool(subprocessors.chosen_services(org)),
                           services=subprocessors.service_items(),
                           countries=subprocessors.countries(items),
                           deadline_passed=objections.deadline_passed, form=ObjectionForm(),
                           received=deliveries.for_person(NoticeKind.ANNOUNCEMENT, told,
                                                          current_user),
                           action_form=ActionForm())


@bp.post("/agreement/subprocessors/<int:announcement_id>/acknowledge")
@customer_required
def acknowledge(announcement_id: int):
    if ActionForm().validate_on_submit():
        if not deliveries.acknowledge(NoticeKind.ANNOUNCEMENT, announcement_id, current_user,
                                      current_actor()):
            abort(404)
        flash(_("Thank you: Voxio can see that you have read this notice."), "success")
    return redirect(url_for("subprocessors.mine") + f"#notice-{announcement_id}")
