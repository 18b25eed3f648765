"""Following the public register by e-mail, without an account: subscribe, confirm (double
opt-in: the link opens a page, only its button confirms) and unsubscribe in one click
(RFC 8058: mail programs POST to the link; that one endpoint takes no CSRF token)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.extensions import csrf
from portal.services import ServiceError, subscriptions
from portal.web.context import current_actor
from portal.web.forms import ActionForm
from portal.web.locale import current_locale
from portal.web.subprocessors.forms import SubscribeForm
from portal.web.subprocessors.routes import bp, register_page


@bp.post("/subprocessors/subscribe")
def subscribe():
    form = SubscribeForm()
    if not form.validate_on_submit():
        return register_page(form), 422
    subscriptions.subscribe(form.email.data, form.locale.data or current_locale(),
                            current_actor())
    # the same words whether or not the address already subscribes
    flash(_("Check your mailbox at %(email)s and confirm with the link we sent you. Until you "
            "confirm, you will not receive anything.", email=form.email.data), "info")
    return redirect(url_for("subprocessors.register"))


@bp.route("/subprocessors/confirm/<token>", methods=["GET", "POST"])
def confirm_subscription(token: str):
    subscription = subscriptions.find_pending(token)
    if subscription is None:
        return render_template("subprocessors/subscription_link_invalid.html",
                               kind="confirm", days=subscriptions.CONFIRM_DAYS), 410
    form = ActionForm()
    if form.validate_on_submit():
        try:
            subscriptions.confirm(token, current_actor())
        except ServiceError as error:  # confirmed or expired in the meantime
            flash(error.message, "error")
        else:
            flash(_("Subscribed. You will get an e-mail when Voxio announces a change of "
                    "sub-processors."), "success")
        return redirect(url_for("subprocessors.register"))
    return render_template("subprocessors/confirm_subscription.html", form=form,
                           email=subscription.email, days=subscriptions.CONFIRM_DAYS)


@bp.get("/subprocessors/unsubscribe/<token>")
def unsubscribe_page(token: str):
    subscription = subscriptions.for_unsubscribe_token(token)
    if subscription is None:
        return render_template("subprocessors/subscription_link_invalid.html",
                               kind="unsubscribe"), 410
    return render_template("subprocessors/unsubscribe.html", done=not subscription.active)


@bp.post("/subprocessors/unsubscribe/<token>")
@csrf.exempt  # the token is the proof; mail programs post without a session (RFC 8058)
def unsubscribe(token: str):
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    subscription = subscriptions.unsubscribe(token, current_actor(), one_click=one_click)
    if subscription is None:
        return render_template("subprocessors/subscription_link_invalid.html",
                               kind="unsubscribe"), 410
    return render_template("subprocessors/unsubscribe.html", done=True)
