"""Inviting people into a customer's organization and changing their roles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from portal.models import Role
from portal.web.forms import CUSTOMER_ROLE_CHOICES


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-mail address"),
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)], render_kw={"autocomplete": "off"})
    role = SelectField(_l("Role"), choices=CUSTOMER_ROLE_CHOICES,
                       default=Role.CUSTOMER_MEMBER.value)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=CUSTOMER_ROLE_CHOICES)

