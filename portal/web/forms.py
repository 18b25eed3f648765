"""Form pieces shared by the blueprints."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.labels import CUSTOMER_ROLE_LABELS, ROLE_CHOICE_LABELS, ROLE_DESCRIPTIONS
from portal.models import CustomerRole, Role
from portal.services import ServiceError
from portal.services.audit import EventFilter


class ActionForm(FlaskForm):
    """A bare form: a CSRF-protected button."""


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


CUSTOMER_ROLE_CHOICES = [
    SelectChoice(role.value, _l("%(role)s: %(what)s", role=CUSTOMER_ROLE_LABELS[role],
                                what=ROLE_DESCRIPTIONS[role]))
    for role in (CustomerRole.OWNER, CustomerRole.SIGNATORY, CustomerRole.PRIVACY_CONTACT)]
STAFF_ROLE_CHOICES = [SelectChoice(role.value, ROLE_CHOICE_LABELS[role])
                      for role in (Role.STAFF, Role.STAFF_ADMIN)]


def roles_field() -> MultiCheckboxField:
    """A customer's person's roles; none ticked makes a member, who reads only."""
    return MultiCheckboxField(
        _l("Roles"), choices=CUSTOMER_ROLE_CHOICES, validate_choice=True,
        description=_l("Tick what this person does; one person may hold several roles. "
                       "With none ticked they are a member: they read the agreement, its "
                       "choices and its history."))


class RolesForm(FlaskForm):
    roles = roles_field()


class StaffRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES)


def apply_error(form, error: ServiceError) -> None:
    """Show a service's refusals next to the fields they concern (or above the form)."""
    for name, message in getattr(error, "problems", [(error.field, error.message)]):
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def new_password_field(label=None) -> PasswordField:
    # Long enough for passphrases; the service applies the real policy (NIST SP 800-63B).
    return PasswordField(
        label or _l("New password"),
        validators=[InputRequired(), Length(max=256)],
        description=_l("At least 15 characters. A sentence or a few unrelated words works "
                       "well; spaces and any characters are allowed."),
        render_kw={"autocomplete": "new-password", "data-password-toggle": "true"},
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor e-mail contains"), validators=[Optional(), Length(max=254)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To (inclusive)"), validators=[Optional()])

    def filters(self, organization_id: int | None = None) -> EventFilter:
        """The filter the form describes; invalid fields are ignored (and marked)."""
        self.validate()

        def day(value, extra=0):
            if not value:
                return None
            return datetime.combine(value, time(), UTC) + timedelta(days=extra)

        return EventFilter(
            action=(self.action.data or "").strip() if not self.action.errors else "",
            actor=(self.actor.data or "").strip() if not self.actor.errors else "",
            organization_id=organization_id,
            date_from=day(self.date_from.data) if not self.date_from.errors else None,
            date_to=day(self.date_to.data, 1) if not self.date_to.errors else None,
        )


def merge_into(form: FlaskForm, stale) -> None:
    """Show a refused save's merged values (services.versions.StaleEdit): the user's input,
    with the other side's changes to fields the user left alone."""
    for name, value in stale.merged.items():
        if name in form:
            form[name].data = value
    form.opened.data = stale.base


def taken_over_message(form: FlaskForm, taken: list[str]) -> str:
    """Say which fields a merged save took over from someone else's newer save."""
    labels = ", ".join(str(form[name].label.text) if name in form else name for name in taken)
    return _("Meanwhile someone else had changed %(fields)s; their values were kept with "
             "your changes.", fields=labels)
