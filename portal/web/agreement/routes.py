"""The customer's agreement: Bijlage 1 choices, preview, standard text, history, exports."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Permission
from portal.services import (
    ServiceError,
    agreements,
    choice_exports,
    choice_merge,
    preparation,
    signed_copies,
)
from portal.web.agreement.forms import choices_form, item_runs
from portal.web.context import current_actor
from portal.web.forms import apply_error
from portal.web.guards import customer_required
from portal.web.responses import download

bp = Blueprint("agreement", __name__, url_prefix="/agreement")


def _revision_or_404(number: int | None):
    """The requested revision of the user's organization (the latest when None)."""
    org = current_user.organization
    rev = agreements.latest_revision(org) if number is None else agreements.revision(org, number)
    if rev is None:
        abort(404)
    return rev


@bp.get("/")
@customer_required
def overview():
    org = current_user.organization
    latest = agreements.latest_revision(org)
    return render_template("agreement/overview.html", latest=latest,
                           template=agreements.current_template(),
                           signed=signed_copies.current_agreement(org))


@bp.route("/choices", methods=["GET", "POST"])
@customer_required
def edit_choices():
    org = current_user.organization
    template = agreements.current_template()
    doc_template = template.document_template
    latest = agreements.latest_revision(org)
    if not current_user.can(Permission.EDIT_CHOICES):
        if request.method == "POST":
            abort(403)
        return render_template("agreement/choices_readonly.html", latest=latest)
    answers = agreements.answers(latest.choices) if latest else {}
    form = choices_form(doc_template, {**answers, "based_on": latest.number if latest else 0})
    stale, taken = None, []
    if form.validate_on_submit():
        try:
            rev = agreements.save(org, agreements.choices_from(form.data, doc_template),
                                  current_actor(), based_on=_number(form.based_on.data),
                                  taken_over=taken)
        except choice_merge.StaleChoices as error:
            stale, latest = error, error.latest
            form = choices_form(doc_template, {**agreements.answers(error.merged),
                                               "based_on": error.latest.number}, fresh=True)
        except ServiceError as error:
            apply_error(form, error)
        else:
            if rev is None:
                flash(_("Nothing changed since the last save."), "info")
            else:
                flash(_("Saved as revision %(n)d. Check the agreement below.", n=rev.number),
                      "success")
            if taken:
                flash(_("Meanwhile newer choices had been saved; their changes to parts you "
                        "left alone were kept with yours."), "info")
            return redirect(url_for("agreement.preview"))
    return render_template("agreement/choices.html", form=form, template=doc_template,
                           suggestions=agreements.suggestions(doc_template, form.services.data),
                           item_runs=item_runs, latest=latest, stale=stale), \
        409 if stale else 200


def _number(text) -> int | None:
    """The revision a form was based on; None from a form without one (not refused)."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


@bp.get("/preview")
@customer_required
def preview():
    number = request.args.get("revision", type=int)
    org = current_user.organization
    if number is None and agreements.latest_revision(org) is None:
        flash(_("Make your choices first; then you can read your agreement."), "info")
        return redirect(url_for("agreement.edit_choices"))
    rev = _revision_or_404(number)
    return render_template("agreement/preview.html", rev=rev, latest=number is None,
                           document_html=preparation.preview(org, rev))


@bp.get("/standard")
@customer_required
def standard_text():
    """The agreement before any choice: everything but Bijlage 1 is the same for everyone."""
    return render_template("agreement/standard.html",
                           document_html=agreements.standard_html(current_user.organization))


@bp.get("/history")
@customer_required
def history():
    org = current_user.organization
    revs = agreements.revisions(org)
    return render_template("agreement/history.html", revisions=revs,
                           changes=agreements.changes_by_number(revs))


@bp.get("/history/<int:number>")
@customer_required
def show_revision(number: int):
    rev = _revision_or_404(number)
    return render_template("agreement/revision.html", rev=rev)


@bp.get("/export.<fmt>")
@customer_required
def export(fmt: str):
    if fmt not in ("json", "csv"):
        abort(404)
    org = current_user.organization
    rev = _revision_or_404(request.args.get("revision", type=int))
    choice_exports.record(org, rev, fmt, current_actor())
    name = f"bijlage1-{org.customer_number}-r{rev.number}.{fmt}"
    if fmt == "json":
        return download(choice_exports.as_json(org, rev), name, "application/json")
    return download(choice_exports.as_csv(org, rev), name, "text/csv")
