"""The choices form is built from the template, so a new version brings its own catalog."""

from __future__ import annotations

from itertools import groupby

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.labels import DISPOSITION_CHOICES, GROUP_TITLES, OTHER_LABELS
from portal.services.agreements import (
    OTHER_MAX,
    Choices,
    Contact,
    Group,
    Signatory,
    Template,
)
from portal.web.forms import MultiCheckboxField


class AcknowledgementField(BooleanField):
    summary_label = _l("Confirmation for protected data")  # the full label is a sentence


class ContactField(StringField):
    """A breach-contact field: the error summary names the group, not just "E-mail address"."""

    def __init__(self, label=None, validators=None, *, summary_label=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.summary_label = summary_label


YES_NO = {"yes": True, "no": False}


def choices_form(template: Template, choices: Choices | None = None) -> FlaskForm:
    """A form for ``template``; prefilled from ``choices`` unless the request posted data.

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
    form_class = type("ChoicesForm", (FlaskForm,), fields)
    data = _form_data(choices) if choices is not None else None
    return form_class(data=data)


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
            _l("Why may this person sign?"),
            choices=[SelectChoice("director", _l(
                         "Director, authorised to represent the organization according to the "
                         "Trade Register (KvK)")),
                     SelectChoice("proxy", _l(
                         "Holds a power of attorney from an authorised director"))],
            validators=[Optional()]),
    )


def _form_data(choices: Choices) -> dict:
    data = {group: list(keys) for group, keys in choices.selected.items()}
    data.update({f"other_{group}": text for group, text in choices.other.items()})
    data.update(
        sensitive_ack=choices.sensitive_ack,
        large_scale={True: "yes", False: "no"}.get(choices.large_scale),
        contact_name=choices.breach_contact.name, contact_email=choices.breach_contact.email,
        contact_phone=choices.breach_contact.phone, signatory_name=choices.signatory.name,
        signatory_function=choices.signatory.function,
        signatory_authority=choices.signatory.authority, disposition=choices.disposition,
    )
    return data


def choices_from(form, template: Template) -> Choices:
    """What the submitted form says, as plain choices (validated by the service)."""
    return Choices(
        selected={g.key: tuple(getattr(form, g.key).data or ()) for g in template.groups},
        other={g.key: getattr(form, f"other_{g.key}").data or "" for g in template.groups},
        sensitive_ack=bool(form.sensitive_ack.data),
        large_scale=YES_NO.get(form.large_scale.data),
        breach_contact=Contact(form.contact_name.data or "", form.contact_email.data or "",
                               form.contact_phone.data or ""),
        signatory=Signatory(form.signatory_name.data or "", form.signatory_function.data or "",
                            form.signatory_authority.data or ""),
        disposition=form.disposition.data or "",
    )


def item_runs(group: Group) -> list[tuple[bool, list]]:
    """The group's items in source order, in runs of ordinary and of sensitive items."""
    return [(sensitive, list(items))
            for sensitive, items in groupby(group.items, key=lambda item: item.sensitive)]


def suggestion_names(template: Template, services) -> dict[str, str]:
    """For each suggested item, the names of the chosen services that suggest it."""
    names = {item.key: item.text for item in template.group("services").items}
    return {key: ", ".join(sorted(names[s] for s in by))
            for key, by in template.suggestions(tuple(services or ())).items()}
