"""Inviting people into a customer's organization and changing their roles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import Email, InputRequired, Length

from portal.web.forms import roles_field


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-mail address"),
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)], render_kw={"autocomplete": "off"})
    roles = roles_field()

