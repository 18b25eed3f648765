"""Sample checks of access (Bijlage 2): the monthly samples and their review, for staff
administrators."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext

from portal.extensions import db
from portal.models import AccessReview, utcnow
from portal.services import ServiceErrors, access_reviews
from portal.web.context import current_actor
from portal.web.forms import ActionForm
from portal.web.guards import staff_admin_required
from portal.web.responses import csv_response
from portal.web.staff.routes import bp


@bp.get("/reviews")
@staff_admin_required
def reviews():
    return render_template("staff/reviews.html", reviews=access_reviews.reviews(),
                           form=ActionForm(),
                           period=access_reviews.previous_month(utcnow().date()))


@bp.post("/reviews/draw")
@staff_admin_required
def draw_review():
    if not ActionForm().validate_on_submit():
        abort(400)
    review = access_reviews.draw(access_reviews.previous_month(utcnow().date()),
                                 current_actor())
    return redirect(url_for("staff.review", review_id=review.id))


@bp.get("/reviews/<int:review_id>")
@staff_admin_required
def review(review_id: int):
    review = db.get_or_404(AccessReview, review_id)
    return render_template("staff/review.html", review=review, form=ActionForm(), errors={},
                           typed={}, names=access_reviews.customer_names(review))


@bp.post("/reviews/<int:review_id>")
@staff_admin_required
def judge_review(review_id: int):
    review = db.get_or_404(AccessReview, review_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    answers = {item.id: (request.form.get(f"verdict-{item.id}", ""),
                         request.form.get(f"note-{item.id}", "")) for item in review.items}
    try:
        changed = access_reviews.judge(review, answers, current_actor())
    except ServiceErrors as error:
        return render_template("staff/review.html", review=review, form=ActionForm(),
                               errors=dict(error.problems), typed=answers,
                               names=access_reviews.customer_names(review)), 422
    flash(ngettext("%(num)d verdict saved.", "%(num)d verdicts saved.", changed), "success")
    return redirect(url_for("staff.review", review_id=review.id))


@bp.get("/reviews/<int:review_id>.csv")
@staff_admin_required
def review_csv(review_id: int):
    review = db.get_or_404(AccessReview, review_id)
    return csv_response(access_reviews.export_csv(review, current_actor()),
                        f"toegangscontrole-{review.period}.csv")
