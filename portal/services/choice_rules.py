"""What keeps a customer's choices from being saved: each problem tied to its form field."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from portal.documents.contract import (
    CRIMINAL,
    DISPOSITIONS,
    NATIONAL_ID,
    SPECIAL,
    Choices,
    Signatory,
)
from portal.models import AgreementTemplate
from portal.services import printable

OTHER_MAX = 500
AUTHORITIES = ("director", "proxy")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,25}$")


def problems(template: AgreementTemplate, choices: Choices) -> list[tuple[str, str]]:
    """Everything that keeps these choices from being saved, as (form field, message)."""
    doc = template.document_template
    found: list[tuple[str, str]] = []
    for group in doc.groups:
        keys = choices.keys(group.key)
        unknown = set(keys) - {item.key for item in group.items}
        other = choices.other_text(group.key)
        if unknown:
            found.append((group.key, _("Choose only from the list.")))
        elif not keys and not other:
            found.append((group.key, _(
                "Tick at least one item, or describe it in the text box of this section.")))
        if len(other) > OTHER_MAX:
            found.append((f"other_{group.key}",
                          _("Use at most %(n)d characters.", n=OTHER_MAX)))
        other_item = group.other_item
        if other_item is not None:
            if other_item.key in keys and not other:
                found.append((f"other_{group.key}", _("Describe what “Other” covers.")))
            elif other and other_item.key not in keys:
                found.append((f"other_{group.key}", _(
                    "Tick “%(item)s” too, or clear this description.", item=other_item.text)))
    if choices.flags(doc) & {SPECIAL, CRIMINAL, NATIONAL_ID} and not choices.sensitive_ack:
        found.append(("sensitive_ack", _(
            "You chose special, criminal or national-id data: confirm that you have a legal "
            "basis for it.")))
    if choices.large_scale is None:
        found.append(("large_scale", _("Answer this question.")))
    contact = choices.breach_contact
    if not contact.name.strip():
        found.append(("contact_name", _("Enter the name of the contact person or point.")))
    if not contact.email.strip():
        found.append(("contact_email", _("Enter an e-mail address, like dpo@example.nl.")))
    elif not _valid_email(contact.email):
        found.append(("contact_email", _("This is not a valid e-mail address: use the form "
                                         "name@example.nl.")))
    if not contact.phone.strip():
        found.append(("contact_phone", _("Enter a phone number, like +31 30 123 45 67.")))
    elif not _PHONE.match(contact.phone.strip()):
        found.append(("contact_phone", _("This is not a valid phone number: write it like "
                                         "+31 30 123 45 67.")))
    signatory = choices.signatory
    found += _signatory_problems(signatory, "signatory")
    for second in choices.co_signatories:  # the form offers one more, optional
        if second.name.strip() and second.name.strip() == signatory.name.strip():
            found.append(("second_name", _("The second signatory must be someone else.")))
        else:
            found += _signatory_problems(second, "second")
        # each signs in their own place, with their own account
        for person, prefix in ((signatory, "signatory"), (second, "second")):
            if not _valid_email(person.email):
                found.append((f"{prefix}_email", _(
                    "With two signatories, enter the e-mail address of each one's account in "
                    "this portal: only that account can sign in their place.")))
        if signatory.email and signatory.email.strip().lower() == \
                second.email.strip().lower():
            found.append(("second_email", _("The second signatory must be someone else.")))
    if choices.disposition not in DISPOSITIONS:
        found.append(("disposition", _("Choose what happens to the data at the end.")))
    typed = {f"other_{group.key}": choices.other_text(group.key) for group in doc.groups}
    typed.update(contact_name=contact.name, contact_email=contact.email,
                 contact_phone=contact.phone, signatory_name=signatory.name,
                 signatory_function=signatory.function)
    for second in choices.co_signatories:
        typed.update(second_name=second.name, second_function=second.function)
    already = {field for field, _message in found}
    found += [problem for problem in printable.problems(typed) if problem[0] not in already]
    return found


def _valid_email(address: str) -> bool:
    try:
        validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _signatory_problems(person: Signatory, prefix: str) -> list[tuple[str, str]]:
    """A signatory needs a name, a job title and the reason they may sign (``prefix``: the
    form fields' prefix, ``signatory`` or ``second``)."""
    found = []
    if not person.name.strip():
        found.append((f"{prefix}_name", _("Enter the name of the person who will sign.")))
    if not person.function.strip():
        found.append((f"{prefix}_function", _("Enter their job title, like Director.")))
    if person.authority not in AUTHORITIES:
        found.append((f"{prefix}_authority", _("Say why this person may sign.")))
    return found
