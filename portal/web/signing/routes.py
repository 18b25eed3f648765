"""Signing: the ceremony, signing with your own certificate, signed copies and reports."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Permission, SignatureStep
from portal.services import (
    ServiceError,
    integrity,
    own_signature,
    preparation,
    signed_copies,
    signing,
    signing_rounds,
)
from portal.web.context import current_actor, current_session
from portal.web.forms import apply_error
from portal.web.guards import customer_required, permission_required, recent_auth_required
from portal.web.responses import pdf_response, signed_pdf_download
from portal.web.signing.forms import SignForm, UploadForm

bp = Blueprint("signing", __name__, url_prefix="/agreement")


def _prepared_or_404(public_id: str):
    return preparation.find(public_id) or abort(404)


def _prepare():
    """The prepared document; if there is none to sign now, a redirect that says why."""
    try:
        return preparation.prepare(current_user.organization, current_user, current_actor())
    except preparation.AlreadySigned as error:
        flash(error.message, "info")
        abort(redirect(url_for("signing.signed_copy", number=error.agreement.number)))
    except ServiceError as error:
        flash(error.message, "error")
        abort(redirect(url_for("agreement.edit_choices")))


@bp.route("/sign", methods=["GET", "POST"])
@permission_required(Permission.SIGN)
@recent_auth_required
def sign():
    form = SignForm()
    if request.method == "GET":
        prepared = _prepare()
        state = signing_rounds.of(prepared, preparation.frozen_of(prepared))
        form.prepared.data = prepared.public_id
        form.name.data = state.next.name if state.next else prepared.signatory_name
        form.function.data = state.next.function if state.next else prepared.signatory_function
        return _sign_page(form, prepared, state)
    prepared = _prepared_or_404(form.prepared.data or "")
    if form.validate_on_submit():
        confirmation = signing.Confirmation(form.name.data or "", form.function.data or "",
                                            bool(form.authority.data))
        try:
            result = signing.sign(prepared, confirmation, current_user, current_session(),
                                  current_actor())
        except preparation.DocumentChanged as error:  # review the new version first
            flash(error.message, "warning")
            return redirect(url_for("signing.sign"))
        except ServiceError as error:
            apply_error(form, error)
        else:
            if isinstance(result, SignatureStep):
                flash(_("Signed. The next signatory has been asked to sign; Voxio countersigns "
                        "after the last signature."), "success")
                return redirect(url_for("signing.sign"))
            flash(_("Signed. Voxio countersigned at once; download the signed PDF here."),
                  "success")
            return redirect(url_for("signing.signed_copy", number=result.number))
    return _sign_page(form, prepared, signing_rounds.of(prepared,
                                                        preparation.frozen_of(prepared)))


def _sign_page(form, prepared, state):
    return render_template("signing/sign.html", form=form, prepared=prepared, state=state,
                           mine=state.step_of(current_user),
                           next_account=signing_rounds.next_account(state),
                           document_html=preparation.prepared_html(prepared, heading_level=3))


@bp.get("/prepared/<public_id>.pdf")
@permission_required(Permission.SIGN)
def prepared_pdf(public_id: str):
    prepared = _prepared_or_404(public_id)
    return pdf_response(preparation.prepared_pdf(prepared),
                        f"verwerkersovereenkomst-{prepared.public_id}.pdf",
                        inline=not request.args.get("download"))


@bp.route("/sign/own", methods=["GET", "POST"])
@permission_required(Permission.SIGN)
@recent_auth_required
def sign_own():
    form = UploadForm()
    if request.method == "GET":
        prepared = _prepare()
        if len(preparation.frozen_of(prepared).signatories) > 1:
            flash(own_signature.several_signatories().message, "info")
            return redirect(url_for("signing.sign"))
        form.prepared.data = prepared.public_id
        return render_template("signing/sign_own.html", form=form, prepared=prepared)
    prepared = _prepared_or_404(form.prepared.data or "")
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            agreement = own_signature.accept(prepared, data, current_user, current_actor())
        except preparation.DocumentChanged as error:  # sign the new version instead
            flash(error.message, "warning")
            return redirect(url_for("signing.sign_own"))
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Your signature was accepted and Voxio countersigned. Your certificate: "
                    "%(note)s.", note=agreement.trust_note), "success")
            return redirect(url_for("signing.signed_copy", number=agreement.number))
    return render_template("signing/sign_own.html", form=form, prepared=prepared)


@bp.get("/signed")
@customer_required
def list_signed():
    return render_template("signing/signed.html",
                           agreements=signed_copies.agreements_of(current_user.organization))


def _agreement_or_404(number: int):
    return signed_copies.by_number(current_user.organization, number) or abort(404)


@bp.get("/signed/<int:number>")
@customer_required
def signed_copy(number: int):
    agreement = _agreement_or_404(number)
    return render_template("signing/signed_copy.html", agreement=agreement,
                           signers=signed_copies.signers_before(agreement))


@bp.get("/signed/<int:number>/download")
@customer_required
def download_signed(number: int):
    return signed_pdf_download(_agreement_or_404(number))


@bp.get("/signed/<int:number>/report")
@customer_required
def signed_report(number: int):
    agreement = _agreement_or_404(number)
    try:
        report = signed_copies.report(agreement, current_actor())
    except integrity.IntegrityAlert:
        return render_template("signing/integrity_error.html", agreement=agreement), 500
    if request.args.get("format") == "json":
        return Response(json.dumps(report.to_dict(), indent=2), mimetype="application/json")
    return render_template("signing/report.html", agreement=agreement, report=report)
