"""Staff pages for the sub-processor register: announce changes, withdraw them, see who objected."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from portal.models import ObjectionStatus, SubProcessorStatus
from portal.services import (
    ServiceError,
    announcements,
    notifications,
    objections,
    subprocessors,
)
from portal.web.context import current_actor
from portal.web.forms import apply_error
from portal.web.guards import staff_required
from portal.web.subprocessors.forms import AnnounceForm, StatusForm, WithdrawForm
from portal.web.subprocessors.routes import bp


@bp.get("/staff/subprocessors")
@staff_required
def staff_register():
    return render_template("subprocessors/staff_register.html", items=subprocessors.register(),
                           services=subprocessors.service_items(),
                           announcements=announcements.announcements(limit=100),
                           open_counts=objections.open_counts())


@bp.route("/staff/subprocessors/announce", methods=["GET", "POST"])
@staff_required
def announce():
    form = AnnounceForm()
    current = subprocessors.register()
    form.subprocessor.choices = [SelectChoice(0, "—")] + [
        SelectChoice(sp.id, sp.name) for sp in current if sp.status == SubProcessorStatus.ACTIVE]
    form.services.choices = [SelectChoice(key, name)
                             for key, name in subprocessors.service_names().items()]
    if request.method == "GET":
        form.effective_on.data = announcements.earliest_effective()
    if form.validate_on_submit():
        target = next((sp for sp in current if sp.id == form.subprocessor.data), None)
        data = subprocessors.SubProcessorData(
            name=form.name.data or "", legal_entity=form.legal_entity.data or "",
            activity=form.activity.data or "", services=tuple(form.services.data or ()),
            countries=subprocessors.parse_countries(form.countries.data or ""),
            transfer_basis=form.transfer_basis.data or "")
        try:
            ann = announcements.announce(
                form.kind.data, reason=form.reason.data or "",
                effective_on=form.effective_on.data, actor=current_actor(),
                subprocessor=target, data=data,
                new_countries=subprocessors.parse_countries(form.new_countries.data or ""),
                new_transfer_basis=form.new_transfer_basis.data or "")
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Announced. Affected customers get a notice and an e-mail; this runs in "
                    "the background."), "success")
            return redirect(url_for("subprocessors.announcement", announcement_id=ann.id))
    return render_template("subprocessors/announce.html", form=form)


@bp.get("/staff/announcements/<int:announcement_id>")
@staff_required
def announcement(announcement_id: int):
    ann = announcements.announcement(announcement_id) or abort(404)
    status = request.args.get("status", "")
    return announcement_page(ann, status if status in set(ObjectionStatus) else "")


def announcement_page(ann, status: str = "", failed: tuple[int, FlaskForm] | None = None,
                       withdraw_form: FlaskForm | None = None):
    """The announcement with its objections; ``failed``: an objection's form to show again,
    with its errors and what was typed (``withdraw_form`` likewise)."""
    items = objections.for_announcement(ann, status)
    forms = {o.id: StatusForm(prefix=f"o{o.id}", formdata=None) for o in items}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template("subprocessors/announcement.html", ann=ann, status=status, items=items,
                           notified=notifications.notice_count(ann),
                           all_count=len(objections.for_announcement(ann)), forms=forms,
                           withdraw_form=withdraw_form or WithdrawForm(formdata=None))


@bp.post("/staff/announcements/<int:announcement_id>/withdraw")
@staff_required
def withdraw(announcement_id: int):
    ann = announcements.announcement(announcement_id) or abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            announcements.withdraw(ann, form.reason.data or "", current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Withdrawn. Customers who were told about the change get an e-mail."),
                  "success")
            return redirect(url_for("subprocessors.announcement", announcement_id=ann.id))
    return announcement_page(ann, withdraw_form=form), 422
