"""Objections (art. 5.1): a customer objects to an announced change, follows it up (adds
information, withdraws it); staff handle it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Permission
from portal.services import ServiceError, notifications, objections
from portal.web.context import current_actor
from portal.web.forms import ActionForm, apply_error
from portal.web.guards import customer_required, permission_required, staff_required
from portal.web.subprocessors.forms import ObjectionForm, ObjectionInformationForm, StatusForm
from portal.web.subprocessors.routes import bp
from portal.web.subprocessors.staff import announcement_page


@bp.route("/agreement/subprocessors/<int:announcement_id>/object", methods=["GET", "POST"])
@permission_required(Permission.OBJECT)
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
            return redirect(url_for("subprocessors.mine"))
    return render_template("subprocessors/object.html", form=form, ann=notice.announcement,
                           deadline_passed=objections.deadline_passed(notice.announcement),
                           existing=objections.open_objection(org, notice.announcement))


@bp.get("/agreement/objections/<int:objection_id>")
@customer_required
def objection(objection_id: int):
    """The customer's objection: what it wrote, its history, the change it concerns."""
    return _objection_page(objections.objection(objection_id) or abort(404),
                           ObjectionInformationForm(formdata=None))


@bp.post("/agreement/objections/<int:objection_id>/information")
@permission_required(Permission.OBJECT)
def add_objection_information(objection_id: int):
    item = objections.objection(objection_id) or abort(404)
    form = ObjectionInformationForm()
    if form.validate_on_submit():
        try:
            objections.add_information(item, form.note.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Your information has been added to the objection; Voxio has been told."),
                  "success")
            return redirect(url_for("subprocessors.objection", objection_id=item.id))
    return _objection_page(objections.objection(objection_id) or abort(404), form), 422


@bp.post("/agreement/objections/<int:objection_id>/withdraw")
@permission_required(Permission.OBJECT)
def withdraw_objection(objection_id: int):
    item = objections.objection(objection_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            objections.withdraw(item, current_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Your objection has been withdrawn; Voxio has been told."), "success")
    return redirect(url_for("subprocessors.objection", objection_id=item.id))


def _objection_page(item, form: ObjectionInformationForm):
    return render_template("subprocessors/objection.html", objection=item,
                           ann=item.announcement, timeline=objections.timeline(item),
                           form=form, withdraw_form=ActionForm(),
                           deadline_passed=objections.deadline_passed(item.announcement))


@bp.post("/staff/objections/<int:objection_id>/status")
@staff_required
def set_objection_status(objection_id: int):
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
            return redirect(url_for("subprocessors.announcement",
                                    announcement_id=objection.announcement_id))
    return announcement_page(objection.announcement, failed=(objection.id, form)), 422
