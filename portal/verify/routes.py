from __future__ import annotations

import json

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from portal.documents import validation
from portal.services import signatures
from portal.verify import bp


class VerifyForm(FlaskForm):
    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose a PDF file."))],
                     render_kw={"accept": "application/pdf,.pdf"})


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
                report, found = signatures.verify_upload(data)
            except validation.NotAPdf:
                form.file.errors.append(_("This file is not a PDF we can read. Upload the "
                                          "signed agreement as you received it (a .pdf file)."))
    if report is not None and request.args.get("format") == "json":
        return Response(json.dumps(report.to_dict(), indent=2), mimetype="application/json")
    return render_template("verify/check.html", form=form, report=report, found=found)


@bp.get("/verify/<public_id>")
def status(public_id: str):
    agreement = signatures.by_public_id(public_id)
    if agreement is None:  # most often a mistyped number: say so, and offer the upload
        return render_template("verify/unknown.html", public_id=public_id[:80]), 404
    return render_template("verify/status.html", agreement=agreement)
