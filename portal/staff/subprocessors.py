"""Staff pages for the sub-processor register: announce changes, handle objections."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.agreement.forms import MultiCheckboxField
from portal.forms import apply_error
from portal.services import ServiceError, notifications, objections, subprocessors
from portal.staff import bp
from portal.web import current_actor

BASES = [SelectChoice("", _l("— inside the EU/EEA only —")),
         SelectChoice("adequacy", _l("adequacy decision")),
         SelectChoice("scc", _l("standard contractual clauses")),
         SelectChoice("bcr", _l("binding corporate rules")),
         SelectChoice("derogation", _l("derogation (GDPR art. 49)"))]


class AnnounceForm(FlaskForm):
    kind = RadioField(_l("What changes?"), choices=[
        SelectChoice("add", _l("A new sub-processor")),
        SelectChoice("remove", _l("A sub-processor is no longer used")),
        SelectChoice("replace", _l("A sub-processor is replaced by another")),
        SelectChoice("countries", _l("A sub-processor processes in other countries"))],
        default="add")
    subprocessor = SelectField(_l("Sub-processor concerned"), coerce=int, choices=[],
                               validators=[Optional()])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    legal_entity = StringField(_l("Legal entity and address"), validators=[Length(max=300)])
    activity = StringField(_l("What it does for Voxio"), validators=[Length(max=500)])
    services = MultiCheckboxField(_l("For which services (Annex 1.A)"), choices=[])
    countries = StringField(_l("Countries of processing"), validators=[Length(max=200)],
                            description=_l("Two-letter codes, e.g. NL DE US."))
    transfer_basis = SelectField(_l("Transfer basis outside the EU/EEA"), choices=BASES,
                                 validators=[Optional()])
    new_countries = StringField(_l("New countries of processing"), validators=[Length(max=200)])
    new_transfer_basis = SelectField(_l("New transfer basis"), choices=BASES,
                                     validators=[Optional()])
    reason = TextAreaField(_l("Reason (customers read this)"),
                           validators=[Length(max=subprocessors.REASON_MAX)],
                           render_kw={"rows": 3})
    effective_on = DateField(_l("Takes effect on"), validators=[Optional()])


class WithdrawForm(FlaskForm):
    # required in the browser too, so the confirmation is only asked for a complete form
    reason = TextAreaField(_l("Why is the change withdrawn? (customers read this)"),
                           validators=[Length(max=subprocessors.REASON_MAX)],
                           render_kw={"rows": 2, "required": True})


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[SelectChoice("in_review", _l("in review")),
                                                    SelectChoice("resolved", _l("resolved"))])
    resolution = SelectField(_l("Resolution"), choices=[
        SelectChoice("", "—"),
        SelectChoice("not_used", _l("sub-processor not used for this customer")),
        SelectChoice("withdrawn", _l("withdrawn by the customer")),
        SelectChoice("terminates_service", _l("customer terminates the affected service"))],
        validators=[Optional()])
    note = TextAreaField(_l("Note for the customer"), validators=[Length(max=2000)],
                         render_kw={"rows": 2})


@bp.get("/subprocessors")
def subprocessor_register():
    return render_template("staff/subprocessors.html", items=subprocessors.register(),
                           services=subprocessors.service_items(),
                           announcements=subprocessors.announcements(limit=100),
                           open_counts=objections.open_counts())


@bp.route("/subprocessors/announce", methods=["GET", "POST"])
def announce():
    form = AnnounceForm()
    current = subprocessors.register()
    form.subprocessor.choices = [SelectChoice(0, "—")] + [
        SelectChoice(sp.id, sp.name) for sp in current if sp.status == "active"]
    form.services.choices = [SelectChoice(key, name)
                             for key, name in subprocessors.service_names().items()]
    if request.method == "GET":
        form.effective_on.data = subprocessors.earliest_effective()
    if form.validate_on_submit():
        target = next((sp for sp in current if sp.id == form.subprocessor.data), None)
        data = subprocessors.SubProcessorData(
            name=form.name.data or "", legal_entity=form.legal_entity.data or "",
            activity=form.activity.data or "", services=tuple(form.services.data or ()),
            countries=subprocessors.parse_countries(form.countries.data or ""),
            transfer_basis=form.transfer_basis.data or "")
        try:
            ann = subprocessors.announce(
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
            return redirect(url_for("staff.announcement", announcement_id=ann.id))
    return render_template("staff/announce.html", form=form)


@bp.get("/announcements/<int:announcement_id>")
def announcement(announcement_id: int):
    ann = subprocessors.announcement(announcement_id) or abort(404)
    status = request.args.get("status", "")
    return _announcement_page(ann, status if status in ("submitted", "in_review",
                                                        "resolved") else "")


def _announcement_page(ann, status: str = "", failed: tuple[int, FlaskForm] | None = None,
                       withdraw_form: FlaskForm | None = None):
    """The announcement with its objections; ``failed``: an objection's form to show again,
    with its errors and what was typed (``withdraw_form`` likewise)."""
    items = objections.for_announcement(ann, status)
    forms = {o.id: StatusForm(prefix=f"o{o.id}", formdata=None) for o in items}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template("staff/announcement.html", ann=ann, status=status, items=items,
                           notified=notifications.notice_count(ann),
                           all_count=len(objections.for_announcement(ann)), forms=forms,
                           withdraw_form=withdraw_form or WithdrawForm(formdata=None))


@bp.post("/announcements/<int:announcement_id>/withdraw")
def withdraw(announcement_id: int):
    ann = subprocessors.announcement(announcement_id) or abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            subprocessors.withdraw(ann, form.reason.data or "", current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Withdrawn. Customers who were told about the change get an e-mail."),
                  "success")
            return redirect(url_for("staff.announcement", announcement_id=ann.id))
    return _announcement_page(ann, withdraw_form=form), 422


@bp.post("/objections/<int:objection_id>/status")
def objection_status(objection_id: int):
    objection = objections.objection(objection_id) or abort(404)
    form = StatusForm(prefix=f"o{objection.id}")
    if form.validate_on_submit():
        try:
            objections.set_status(objection, form.status.data, current_actor(),
                                  resolution=form.resolution.data or None,
                                  note=form.note.data or "")
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Objection updated; the customer has been told."), "success")
            return redirect(url_for("staff.announcement",
                                    announcement_id=objection.announcement_id))
    return _announcement_page(objection.announcement, failed=(objection.id, form)), 422


