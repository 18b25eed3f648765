"""The choices form is built from the template, so a new version brings its own catalog."""

from __future__ import annotations

from itertools import groupby

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.labels import DISPOSITION_CHOICES, GROUP_TITLES, OTHER_LABELS
from portal.services.agreements import OTHER_MAX
from portal.web.forms import MultiCheckboxField


class AcknowledgementField(BooleanField):
    summary_label = _l("Confirmation for protected data")  # the full label is a sentence


class ContactField(StringField):
    """A breach-contact field: the error summary names the group, not just "E-mail address"."""

    def __init__(self, label=None, validators=None, *, summary_label=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.summary_label = summary_label


AUTHORITY_CHOICES = [
    SelectChoice("director", _l("Director, authorised to represent the organization according "
                                "to the Trade Register (KvK)")),
    SelectChoice("proxy", _l("Holds a power of attorney from an authorised director"))]


def choices_form(template, answers: dict | None = None, fresh: bool = False) -> FlaskForm:
    """A form for the agreement version's ``template`` (its Bijlage 1 groups); prefilled with
    ``answers`` (services.agreements.answers) unless the request posted data (or ``fresh``).

    Fields are created in page order, because WTForms (and so the error summary) lists them
    in creation order.
    """
    fields = {}
    last_sensitive = max((g.key for g in template.groups if any(i.sensitive for i in g.items)),
                         key=[g.key for g in template.groups].index, default=None)
    for group in template.groups:
        fields[group.key] = MultiCheckboxField(
            GROUP_TITLES[group.key], choices=[SelectChoice(i.key, i.text) for i in group.items])
        fields[f"other_{group.key}"] = TextAreaField(
            OTHER_LABELS[group.key], validators=[Length(max=OTHER_MAX)],
            render_kw={"rows": 2, "maxlength": OTHER_MAX})
        if group.key == last_sensitive:
            fields["sensitive_ack"] = AcknowledgementField(_l(
                "We have a legal basis for processing these data, and for the BSN a basis in "
                "law (UAVG art. 46)"))
    fields.update(_answer_fields())
    fields["based_on"] = HiddenField()  # the revision the form was opened with
    form_class = type("ChoicesForm", (FlaskForm,), fields)
    if fresh:  # show ``answers``, not what was posted (a merged save that was refused)
        return form_class(formdata=None, data=answers)
    return form_class(data=answers)


def _answer_fields() -> dict:
    return dict(
        large_scale=RadioField(
            _l("Does Voxio process personal data of more than 100,000 people for you?"),
            choices=[SelectChoice("yes", _l("Yes, more than 100,000")),
                     SelectChoice("no", _l("No, 100,000 or fewer"))],
            validators=[Optional()]),
        contact_name=StringField(_l("Name of the contact person or point"),
                                 validators=[Length(max=200)],
                                 description=_l("For example your data protection officer "
                                                "(DPO) or your security team."),
                                 render_kw={"autocomplete": "off"}),
        contact_email=ContactField(_l("E-mail address"), validators=[Length(max=254)],
                                   summary_label=_l("Breach contact: e-mail address"),
                                   render_kw={"type": "email", "autocomplete": "off"}),
        contact_phone=ContactField(_l("Phone number"), validators=[Length(max=40)],
                                   summary_label=_l("Breach contact: phone number"),
                                   render_kw={"type": "tel", "autocomplete": "off"}),
        disposition=RadioField(
            _l("When the agreement ends, Voxio will…"),
            choices=[SelectChoice(key, label) for key, label in DISPOSITION_CHOICES.items()],
            validators=[Optional()]),
        signatory_name=StringField(_l("Name of the signatory"), validators=[Length(max=200)],
                                   render_kw={"autocomplete": "off"}),
        signatory_function=StringField(_l("Job title"), validators=[Length(max=200)],
                                       description=_l("For example Director or Managing "
                                                      "partner.")),
        signatory_authority=RadioField(
            _l("Why may this person sign?"), choices=AUTHORITY_CHOICES,
            validators=[Optional()]),
        second_name=StringField(_l("Name of the second signatory"),
                                validators=[Length(max=200)], render_kw={"autocomplete": "off"}),
        second_function=StringField(_l("Job title"), validators=[Length(max=200)],
                                    description=_l("For example Data protection officer.")),
        second_authority=RadioField(
            _l("Why may this person sign?"), choices=AUTHORITY_CHOICES,
            validators=[Optional()]),
        signatory_email=StringField(
            _l("E-mail address of the first signatory's account"),
            validators=[Length(max=254)], render_kw={"type": "email", "autocomplete": "off"}),
        second_email=StringField(
            _l("E-mail address of the second signatory's account"),
            validators=[Length(max=254)], render_kw={"type": "email", "autocomplete": "off"}),
    )


def item_runs(group) -> list[tuple[bool, list]]:
    """The group's items in source order, in runs of ordinary and of sensitive items."""
    return [(sensitive, list(items))
            for sensitive, items in groupby(group.items, key=lambda item: item.sensitive)]
