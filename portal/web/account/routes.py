"""The user's own account: details, password, two-step verification, sessions."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.services import ServiceError, accounts, sessions, twofactor, versions
from portal.web.account.forms import PasswordChangeForm, ProfileForm, TotpSetupForm
from portal.web.context import current_actor, current_session
from portal.web.forms import ActionForm, apply_error, merge_into, taken_over_message
from portal.web.guards import login_required, recent_auth_required

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.opened.data = accounts.profile_base(current_user)
    stale = None
    if form.validate_on_submit():
        try:
            taken = accounts.update_profile(current_user, form.name.data.strip(),
                                            form.locale.data, current_actor(), form.opened.data)
        except versions.StaleEdit as error:
            stale = error
            merge_into(form, error)
        else:
            flash(_("Your details have been saved."), "success")
            if taken:
                flash(taken_over_message(form, taken), "info")
            response = redirect(url_for("account.profile"))
            response.delete_cookie("lang")  # the saved preference now decides
            return response
    return render_template("account/profile.html", form=form, stale=stale), \
        409 if stale else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data,
                                     form.password.data, current_session(), current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            flash(_("Your password has been changed. You were signed out everywhere else."),
                  "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form)


@bp.get("/two-factor")
@login_required
def two_factor():
    remaining = twofactor.remaining_codes(current_user) if current_user.has_totp else 0
    return render_template("account/two_factor.html", remaining=remaining, form=ActionForm())


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
def setup_totp():
    if current_user.has_totp:
        return redirect(url_for("account.two_factor"))
    secret = session.get("totp_setup")
    if not secret:
        secret = session["totp_setup"] = twofactor.new_secret()
    form = TotpSetupForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.enable(current_user, secret, form.code.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            session.pop("totp_setup", None)
            sessions.mark_authenticated(current_session(), used_totp=True)
            flash(_("Two-step verification is on."), "success")
            return render_template("account/recovery_codes.html", codes=codes)
    uri = twofactor.provisioning_uri(secret, current_user.email)
    return render_template("account/setup_totp.html", form=form, secret=secret,
                           qr=twofactor.qr_data_uri(uri))


@bp.post("/two-factor/recovery-codes")
@login_required
@recent_auth_required
def regenerate_codes():
    if not ActionForm().validate_on_submit():
        return redirect(url_for("account.two_factor"))
    try:
        codes = twofactor.regenerate_codes(current_user, current_actor())
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("account.two_factor"))
    return render_template("account/recovery_codes.html", codes=codes)


@bp.post("/two-factor/disable")
@login_required
@recent_auth_required
def disable_totp():
    if ActionForm().validate_on_submit():
        try:
            twofactor.disable(current_user, current_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Two-step verification is off."), "warning")
    return redirect(url_for("account.two_factor"))


@bp.route("/sessions", methods=["GET", "POST"])
@login_required
def list_sessions():
    form = ActionForm()
    if form.validate_on_submit():
        count = sessions.end_other_sessions(current_user, current_session(), current_actor())
        flash(ngettext("Signed out of %(num)d other session.",
                       "Signed out of %(num)d other sessions.", count), "success")
        return redirect(url_for("account.list_sessions"))
    return render_template("account/sessions.html", rows=sessions.live_sessions(current_user),
                           current=current_session(), form=form)
