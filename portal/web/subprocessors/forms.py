"""Forms of the sub-processor pages: announcing and withdrawing changes, objecting, handling
objections, subscribing to changes by e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional

from portal.labels import OBJECTION_STATUS_LABELS, RESOLUTION_LABELS, TRANSFER_BASIS_LABELS
from portal.models import ChangeKind, ObjectionStatus
from portal.services import announcements, objections
from portal.web.forms import MultiCheckboxField
from portal.web.locale import LANGUAGE_NAMES

BASES = [SelectChoice("", _l("— inside the EU/EEA only —")),
         *(SelectChoice(basis.value, label) for basis, label in TRANSFER_BASIS_LABELS.items())]
# The form asks what changes, so its answers are phrased for staff deciding.
CHANGE_QUESTIONS = {
    ChangeKind.ADD: _l("A new sub-processor"),
    ChangeKind.REMOVE: _l("A sub-processor is no longer used"),
    ChangeKind.REPLACE: _l("A sub-processor is replaced by another"),
    ChangeKind.COUNTRIES: _l("A sub-processor processes in other countries"),
}
ENGLISH_HINT = _l("Shown to those who read the portal and its e-mails in English; without it "
                  "they read the Dutch.")


class AnnounceForm(FlaskForm):
    kind = RadioField(_l("What changes?"), default=ChangeKind.ADD.value, choices=[
        SelectChoice(kind.value, label) for kind, label in CHANGE_QUESTIONS.items()])
    subprocessor = SelectField(_l("Sub-processor concerned"), coerce=int, choices=[],
                               validators=[Optional()])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    legal_entity = StringField(_l("Legal entity and address"), validators=[Length(max=300)])
    activity = StringField(_l("What it does for Voxio"), validators=[Length(max=500)])
    activity_en = StringField(_l("What it does for Voxio (English, optional)"),
                              validators=[Length(max=500)], description=ENGLISH_HINT)
    services = MultiCheckboxField(_l("For which services (Annex 1.A)"), choices=[])
    countries = StringField(_l("Countries of processing"), validators=[Length(max=200)],
                            description=_l("Two-letter codes, e.g. NL DE US."))
    transfer_basis = SelectField(_l("Transfer basis outside the EU/EEA"), choices=BASES,
                                 validators=[Optional()])
    new_countries = StringField(_l("New countries of processing"), validators=[Length(max=200)])
    new_transfer_basis = SelectField(_l("New transfer basis"), choices=BASES,
                                     validators=[Optional()])
    reason = TextAreaField(_l("Reason (customers read this)"),
                           validators=[Length(max=announcements.REASON_MAX)],
                           render_kw={"rows": 3})
    reason_en = TextAreaField(_l("Reason in English (optional)"),
                              validators=[Length(max=announcements.REASON_MAX)],
                              render_kw={"rows": 3}, description=ENGLISH_HINT)
    effective_on = DateField(_l("Takes effect on"), validators=[Optional()])


class WithdrawForm(FlaskForm):
    # required in the browser too, so the confirmation is only asked for a complete form
    reason = TextAreaField(_l("Why is the change withdrawn? (customers read this)"),
                           validators=[Length(max=announcements.REASON_MAX)],
                           render_kw={"rows": 2, "required": True})
    reason_en = TextAreaField(_l("Why it is withdrawn, in English (optional)"),
                              validators=[Length(max=announcements.REASON_MAX)],
                              render_kw={"rows": 2}, description=ENGLISH_HINT)


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[
        SelectChoice(status.value, OBJECTION_STATUS_LABELS[status])
        for status in (ObjectionStatus.IN_REVIEW, ObjectionStatus.RESOLVED)])
    resolution = SelectField(_l("Resolution"), validators=[Optional()], choices=[
        SelectChoice("", "—"),
        *(SelectChoice(value.value, label) for value, label in RESOLUTION_LABELS.items())])
    note = TextAreaField(_l("Note for the customer"), validators=[Length(max=2000)],
                         render_kw={"rows": 2})


class ObjectionForm(FlaskForm):
    reason = TextAreaField(_l("Why is this sub-processor unacceptable for your organization?"),
                           validators=[Length(max=objections.REASON_MAX)],
                           render_kw={"rows": 4, "maxlength": objections.REASON_MAX})


class ObjectionInformationForm(FlaskForm):
    note = TextAreaField(_l("What do you want to add?"),
                         validators=[Length(max=objections.REASON_MAX)],
                         render_kw={"rows": 4, "maxlength": objections.REASON_MAX})


class SubscribeForm(FlaskForm):
    email = EmailField(_l("E-mail address"),
                       validators=[InputRequired(), Email(check_deliverability=False),
                                   Length(max=254)],
                       render_kw={"autocomplete": "email"})
    locale = RadioField(_l("Language of the e-mails"), validators=[Optional()], choices=[
        SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])
