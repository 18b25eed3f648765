"""The public verify page: anyone checks a signed agreement without logging in."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _

from portal.services import ServiceError, signed_copies, verification
from portal.web.forms import apply_error
from portal.web.verify.forms import VerifyForm

bp = Blueprint("verify", __name__)


@bp.route("/verify", methods=["GET", "POST"])
def check():
    form = VerifyForm()
    report = found = None
    if form.validate_on_submit():
        data = form.file.data.read(current_app.config["VERIFY_MAX_BYTES"] + 1)
        if len(data) > current_app.config["VERIFY_MAX_BYTES"]:
            form.file.errors.append(_("The file is larger than %(mb)d MB.",
                                      mb=current_app.config["VERIFY_MAX_BYTES"] // 2**20))
        elif not data:
            form.file.errors.append(_("The file is empty."))
        else:
            try:
                report, found = verification.verify_upload(data)
            except ServiceError as error:
                apply_error(form, error)
    if report is not None and request.args.get("format") == "json":
        return Response(json.dumps(report.to_dict(), indent=2), mimetype="application/json")
    return render_template("verify/check.html", form=form, report=report, found=found)


@bp.get("/verify/<public_id>")
def status(public_id: str):
    agreement = signed_copies.by_public_id(public_id)
    if agreement is None:  # most often a mistyped number: say so, and offer the upload
        return render_template("verify/unknown.html", public_id=public_id[:80]), 404
    return render_template("verify/status.html", agreement=agreement)
