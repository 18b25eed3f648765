from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.web.forms import new_password_field


class ProfileForm(FlaskForm):
    opened = HiddenField()  # the name and language as the form was opened (services.versions)
    name = StringField(_l("Full name"), validators=[InputRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    locale = SelectField(_l("Language for e-mails and pages"),
                         choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(), Length(max=256)],
                                     render_kw={"autocomplete": "current-password"})
    password = new_password_field()


class TotpSetupForm(FlaskForm):
    code = StringField(_l("6-digit code from the app"), validators=[InputRequired(),
                                                                    Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})
