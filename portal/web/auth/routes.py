"""Signing in and out, two-step verification at sign-in, password reset, invitations, step-up."""

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.extensions import db
from portal.models import User
from portal.services import ServiceError, accounts, invitations, sessions
from portal.web.auth.forms import (
    AcceptInvitationForm,
    ConfirmIdentityForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SecondFactorForm,
)
from portal.web.context import current_actor, current_session, end_session, start_session
from portal.web.forms import apply_error
from portal.web.guards import login_required
from portal.web.responses import next_url

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(next_url(url_for("main.dashboard")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.check_password(form.email.data, form.password.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            if user.has_totp:
                session.clear()
                session["pending_2fa"] = {"uid": user.id, "at": int(time.time()),
                                          "next": next_url("")}
                return redirect(url_for("auth.second_factor"))
            token = accounts.sign_in(user, current_actor(), used_totp=False)
            start_session(user, token)
            return redirect(next_url(url_for("main.dashboard")))
    return render_template("auth/login.html", form=form)


def _pending_user() -> User | None:
    pending = session.get("pending_2fa")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid"))
    return user if user is not None and user.active and user.has_totp else None


@bp.route("/login/verify", methods=["GET", "POST"])
def second_factor():
    user = _pending_user()
    if user is None:
        session.pop("pending_2fa", None)
        flash(_("Sign in again, please: the sign-in step expired."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            accounts.check_second_factor(user, form.code.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            target = session["pending_2fa"].get("next") or url_for("main.dashboard")
            token = accounts.sign_in(user, current_actor(), used_totp=True)
            start_session(user, token)
            return redirect(target)
    return render_template("auth/second_factor.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    row = current_session()
    if row is not None:
        sessions.close(row, current_actor())
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data, current_actor())
        flash(_("If an account exists for %(email)s, we have sent it a link to choose a new "
                "password. The link works for one hour.", email=form.email.data), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        return render_template("auth/link_invalid.html", kind="reset"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data, current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            end_session()
            flash(_("Your password has been changed. Sign in with your new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = invitations.find_open(token)
    if invitation is None:
        return render_template("auth/link_invalid.html", kind="invitation"), 410
    if current_user.is_authenticated:
        return render_template("auth/invitation_signed_in.html", invitation=invitation)
    form = AcceptInvitationForm()
    if not form.is_submitted():
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            user, session_token = invitations.accept(token, form.name.data, form.password.data,
                                                     current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            start_session(user, session_token)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    form = ConfirmIdentityForm()
    if form.validate_on_submit():
        try:
            accounts.confirm_identity(current_session(), form.password.data, form.code.data,
                                      current_actor())
        except ServiceError as error:
            apply_error(form, error)
        else:
            return redirect(next_url(url_for("main.dashboard")))
    return render_template("auth/confirm.html", form=form,
                           action=_protected_action(request.args.get("next", "")))


# What a step-up protects, by where it leads: the page names it, so the user knows why.
PROTECTED = (("/agreement/sign/own", _l("countersigning the agreement you signed yourself")),
             ("/agreement/sign", _l("signing the data processing agreement")),
             ("/account/two-factor/recovery-codes", _l("making new recovery codes")),
             ("/account/two-factor/disable", _l("switching off two-step verification")),
             ("/account/two-factor", _l("changing two-step verification")))


def _protected_action(target: str) -> str | None:
    path = target.split("?")[0]
    return next((str(text) for prefix, text in PROTECTED if path.startswith(prefix)), None)
