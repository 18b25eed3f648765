"""A customer's view of sub-processors: what serves its services, announced changes, its
objections."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.services import notifications, objections, subprocessors
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
    history = objections.for_organization(org)  # newest first
    latest = {}
    for objection in history:
        latest.setdefault(objection.announcement_id, objection)
    return render_template("subprocessors/mine.html", items=items, notices=notices,
                           latest_objections=latest, history=history,
                           has_choices=bool(subprocessors.chosen_services(org)),
                           services=subprocessors.service_items(),
                           countries=subprocessors.countries(items),
                           deadline_passed=objections.deadline_passed, form=ObjectionForm())
