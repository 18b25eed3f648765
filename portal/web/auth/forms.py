from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length

from portal.web.forms import new_password_field


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password",
                                        "data-password-toggle": "true"})


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code"), validators=[InputRequired(), Length(max=20)],
        description=_l("The 6-digit code from your authenticator app, or one of your "
                       "recovery codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                   "spellcheck": "false", "autocapitalize": "off"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"),
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)],
                       render_kw={"autocomplete": "email", "autofocus": True})


class ResetPasswordForm(FlaskForm):
    password = new_password_field()


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your full name"), validators=[InputRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    password = new_password_field(_l("Choose a password"))


class ConfirmIdentityForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password", "autofocus": True,
                                        "data-password-toggle": "true"})
    code = StringField(_l("Code from your authenticator app"), validators=[Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false"})
