"""Staff pages for the sub-processor register: announce changes, withdraw them, see who objected."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from portal.models import ObjectionStatus, SubProcessorStatus
from portal.services import (
    ServiceError,
    announcement_preview,
    announcements,
    notifications,
    objections,
    subprocessors,
    subscriptions,
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
                           open_counts=objections.open_counts(),
                           subscribers=subscriptions.subscriber_count())


@bp.route("/staff/subprocessors/announce", methods=["GET", "POST"])
@staff_required
def announce():
    """The form, then (from its preview) the change announced: checked again, sent."""
    form = AnnounceForm()
    current = _fill_choices(form)
    if request.method == "GET":
        form.effective_on.data = announcements.earliest_effective()
    if form.validate_on_submit():
        try:
            ann = announcements.announce(form.kind.data, actor=current_actor(),
                                         **_change(form, current))
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Announced. Affected customers get a notice and an e-mail; this runs in "
                    "the background."), "success")
            return redirect(url_for("subprocessors.announcement", announcement_id=ann.id))
    return render_template("subprocessors/announce.html", form=form, preview=None)


@bp.post("/staff/subprocessors/announce/preview")
@staff_required
def preview_announcement():
    """Whom the change would reach and what they would read; stores nothing."""
    form = AnnounceForm()
    current = _fill_choices(form)
    preview = None
    if form.validate_on_submit():
        try:
            preview = announcement_preview.preview(form.kind.data, **_change(form, current))
        except ServiceError as error:
            apply_error(form, error)
    return render_template("subprocessors/announce.html", form=form, preview=preview)


def _fill_choices(form: AnnounceForm) -> list:
    """Give the form the register's choices; returns the register."""
    current = subprocessors.register()
    form.subprocessor.choices = [SelectChoice(0, "—")] + [
        SelectChoice(sp.id, sp.name) for sp in current if sp.status == SubProcessorStatus.ACTIVE]
    form.services.choices = [SelectChoice(key, name)
                             for key, name in subprocessors.service_names().items()]
    return current


def _change(form: AnnounceForm, current: list) -> dict:
    """The form's change as the arguments of announcements.announce (and of its preview)."""
    return dict(
        reason=form.reason.data or "", reason_en=form.reason_en.data or "",
        effective_on=form.effective_on.data,
        subprocessor=next((sp for sp in current if sp.id == form.subprocessor.data), None),
        data=subprocessors.SubProcessorData(
            name=form.name.data or "", legal_entity=form.legal_entity.data or "",
            activity=form.activity.data or "", activity_en=form.activity_en.data or "",
            services=tuple(form.services.data or ()),
            countries=subprocessors.parse_countries(form.countries.data or ""),
            transfer_basis=form.transfer_basis.data or ""),
        new_countries=subprocessors.parse_countries(form.new_countries.data or ""),
        new_transfer_basis=form.new_transfer_basis.data or "")


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
                           timelines={o.id: objections.timeline(o) for o in items},
                           withdraw_form=withdraw_form or WithdrawForm(formdata=None))


@bp.post("/staff/announcements/<int:announcement_id>/withdraw")
@staff_required
def withdraw(announcement_id: int):
    ann = announcements.announcement(announcement_id) or abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            announcements.withdraw(ann, form.reason.data or "", current_actor(),
                                   reason_en=form.reason_en.data or "")
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Withdrawn. Customers who were told about the change get an e-mail."),
                  "success")
            return redirect(url_for("subprocessors.announcement", announcement_id=ann.id))
    return announcement_page(ann, withdraw_form=form), 422
