"""Staff forms: customers' details, inviting customer users and staff, changing roles."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp, ValidationError

from portal.models import Role
from portal.web.forms import STAFF_ROLE_CHOICES, roles_field

_DUTCH_POSTAL_CODE = re.compile(r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")

class OrganizationForm(FlaskForm):
    opened = HiddenField()  # the details as the form was opened (services.versions)
    name = StringField(_l("Organization name"), validators=[InputRequired(), Length(max=200)],
                       render_kw={"autocomplete": "organization"})
    kvk_number = StringField(
        _l("KvK number"),
        validators=[InputRequired(), Regexp(r"^\d{8}$", message=_l("A KvK number has 8 digits."))],
        render_kw={"inputmode": "numeric", "maxlength": 8},
    )
    customer_number = StringField(
        _l("Customer number"),
        validators=[InputRequired(), Length(max=20),
                    Regexp(r"^[A-Za-z0-9-]+$", message=_l("Letters, digits and dashes only."))],
    )
    address = StringField(_l("Street and number"), validators=[InputRequired(), Length(max=200)],
                          render_kw={"autocomplete": "street-address"})
    postal_code = StringField(_l("Postal code"), validators=[InputRequired(), Length(max=10)],
                              render_kw={"autocomplete": "postal-code"})
    city = StringField(_l("City"), validators=[InputRequired(), Length(max=100)],
                       render_kw={"autocomplete": "address-level2"})
    country = StringField(_l("Country code"), default="NL",
                          validators=[InputRequired(), Regexp(r"^[A-Z]{2}$",
                                      message=_l("Two capital letters, e.g. NL."))])

    def validate_postal_code(self, field) -> None:
        if self.country.data == "NL" and not _DUTCH_POSTAL_CODE.match(field.data or ""):
            raise ValidationError(_l("A Dutch postal code is four digits and two letters, "
                                     "like 1234 AB."))


class NewOrganizationForm(OrganizationForm):
    owner_name = StringField(_l("Name of the first owner"),
                             validators=[InputRequired(), Length(max=200)])
    owner_email = EmailField(_l("E-mail address of the first owner"),
                             validators=[InputRequired(), Email(check_deliverability=False),
                                         Length(max=254)])


class _InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[InputRequired(),
                       Email(check_deliverability=False), Length(max=254)])


class InviteCustomerUserForm(_InviteForm):
    roles = roles_field()


class InviteStaffForm(_InviteForm):
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES, default=Role.STAFF.value)


class SignByForm(FlaskForm):
    sign_by = DateField(_l("Date to sign by"), validators=[Optional()],
                        description=_l("The customer sees it on its start page and is reminded "
                                       "by e-mail until it has signed. Leave empty for no "
                                       "date."))
