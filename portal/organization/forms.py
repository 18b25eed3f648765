from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from portal.models import Role

CUSTOMER_ROLE_CHOICES = [
    SelectChoice(Role.CUSTOMER_MEMBER.value, _l("Member: can view")),
    SelectChoice(Role.CUSTOMER_OWNER.value, _l("Owner: can manage, sign and invite")),
]


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

