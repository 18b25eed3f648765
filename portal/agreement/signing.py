"""Signing pages: the ceremony, signing with your own certificate, signed copies and reports."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import InputRequired, Length

from portal.agreement import bp
from portal.documents import signing as engine
from portal.forms import apply_error
from portal.models import PreparedDocument
from portal.services import ServiceError, signatures
from portal.web import (
    current_actor,
    current_session,
    customer_required,
    owner_required,
    pdf_response,
    recent_auth_required,
    signed_pdf_download,
)


class SignForm(FlaskForm):
    prepared = HiddenField(validators=[InputRequired()])
    name = StringField(_l("Your name"), validators=[Length(max=200)],
                       render_kw={"autocomplete": "name"})
    function = StringField(_l("Your job title"), validators=[Length(max=200)],
                           description=_l("As it appears in the agreement."))
    authority = BooleanField(_l("I am authorised to sign this agreement for my organization"))


class UploadForm(FlaskForm):
    prepared = HiddenField(validators=[InputRequired()])
    file = FileField(_l("The signed PDF"), validators=[FileRequired(_l("Choose the signed PDF."))],
                     render_kw={"accept": "application/pdf,.pdf"})


def _prepared_or_404(public_id: str):
    prepared = signatures.prepared_by_public_id(current_user.organization, public_id)
    if prepared is None:
        abort(404)
    return prepared


def _prepare_or_redirect():
    """The prepared document, or a redirect with the reason it cannot be signed now."""
    try:
        return signatures.prepare(current_user.organization, current_user, current_actor())
    except signatures.AlreadySigned as error:
        flash(error.message, "info")
        return redirect(url_for("agreement.signed_copy", number=error.agreement.number))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("agreement.edit_choices"))


@bp.route("/sign", methods=["GET", "POST"])
@owner_required
@recent_auth_required
def sign():
    form = SignForm()
    if request.method == "GET":
        prepared = _prepare_or_redirect()
        if not isinstance(prepared, PreparedDocument):
            return prepared
        form.prepared.data = prepared.public_id
        form.name.data = prepared.signatory_name
        form.function.data = prepared.signatory_function
        return render_template("agreement/sign.html", form=form, prepared=prepared)
    prepared = _prepared_or_404(form.prepared.data or "")
    if form.validate_on_submit():
        confirmation = signatures.Confirmation(form.name.data or "", form.function.data or "",
                                               bool(form.authority.data))
        try:
            agreement = signatures.sign(prepared, confirmation, current_user,
                                        current_session(), current_actor())
        except ServiceError as error:
            apply_error(form, error)
        except engine.SigningError:
            current_app.logger.exception("signing %s failed", prepared.public_id)
            form.form_errors.append(_(
                "Signing failed on our side; nothing was signed or stored. Please try again "
                "in a few minutes. If it keeps failing, contact Voxio support."))
        else:
            flash(_("Signed. Voxio countersigned at once; download the signed PDF here."),
                  "success")
            return redirect(url_for("agreement.signed_copy", number=agreement.number))
    return render_template("agreement/sign.html", form=form, prepared=prepared)


@bp.get("/prepared/<public_id>.pdf")
@owner_required
def prepared_pdf(public_id: str):
    prepared = _prepared_or_404(public_id)
    return pdf_response(signatures.prepared_pdf(prepared),
                        f"verwerkersovereenkomst-{prepared.public_id}.pdf",
                        inline=not request.args.get("download"))


@bp.route("/sign/own", methods=["GET", "POST"])
@owner_required
@recent_auth_required
def sign_own():
    form = UploadForm()
    if request.method == "GET":
        prepared = _prepare_or_redirect()
        if not isinstance(prepared, PreparedDocument):
            return prepared
        form.prepared.data = prepared.public_id
        return render_template("agreement/sign_own.html", form=form, prepared=prepared)
    prepared = _prepared_or_404(form.prepared.data or "")
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            agreement = signatures.accept_own_signature(prepared, data, current_user,
                                                        current_actor())
        except ServiceError as error:
            apply_error(form, error)
        except engine.SigningError:
            current_app.logger.exception("countersigning %s failed", prepared.public_id)
            form.form_errors.append(_("Countersigning failed on our side; nothing was stored. "
                                      "Please try again in a few minutes."))
        else:
            flash(_("Your signature was accepted and Voxio countersigned. %(note)s",
                    note=agreement.trust_note), "success")
            return redirect(url_for("agreement.signed_copy", number=agreement.number))
    return render_template("agreement/sign_own.html", form=form, prepared=prepared)


@bp.get("/signed")
@customer_required
def signed_copies():
    return render_template("agreement/signed.html",
                           agreements=signatures.agreements_of(current_user.organization))


def _agreement_or_404(number: int):
    agreement = signatures.by_number(current_user.organization, number)
    if agreement is None:
        abort(404)
    return agreement


@bp.get("/signed/<int:number>")
@customer_required
def signed_copy(number: int):
    return render_template("agreement/signed_copy.html", agreement=_agreement_or_404(number))


@bp.get("/signed/<int:number>/download")
@customer_required
def download_signed(number: int):
    return signed_pdf_download(_agreement_or_404(number))


@bp.get("/signed/<int:number>/report")
@customer_required
def signed_report(number: int):
    agreement = _agreement_or_404(number)
    try:
        report = signatures.report_for(agreement, current_actor())
    except signatures.IntegrityAlert:
        return render_template("agreement/integrity_error.html", agreement=agreement), 500
    if request.args.get("format") == "json":
        return Response(json.dumps(report.to_dict(), indent=2), mimetype="application/json")
    return render_template("agreement/report.html", agreement=agreement, report=report)
