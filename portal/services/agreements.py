"""A customer's Bijlage 1 choices: validate, save as revisions, tailor, export.

Every save that changes something adds a :class:`ChoiceRevision`; none is ever edited, so earlier
choices stay visible. The tailored document comes from :mod:`portal.documents.contract`, the same
model the PDF is rendered from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from markupsafe import Markup
from sqlalchemy import delete, func, select
from sqlalchemy.orm import defer

from portal.documents.contract import (
    CRIMINAL,
    CUSTOMER,
    GROUP_KEYS,
    NATIONAL_ID,
    SPECIAL,
    Choices,
    Contact,
    Document,
    Party,
    Signatory,
    Template,
    html,
    tailor,
)
from portal.extensions import db
from portal.models import (
    AgreementTemplate,
    ChoiceRevision,
    Organization,
    OrganizationService,
    Permission,
    utcnow,
)
from portal.services import (
    ServiceErrors,
    audit,
    choice_merge,
    notifications,
    require,
    signing_rounds,
)
from portal.services.accounts import normalise_email
from portal.services.choice_rules import OTHER_MAX, problems  # noqa: F401 (used elsewhere)
from portal.services.context import Actor


def current_template() -> AgreementTemplate:
    """The newest published version of the agreement."""
    return db.session.scalars(_newest_published(AgreementTemplate)).first()


def current_template_id(today=None):
    """:func:`current_template`'s id as a scalar subquery, to ask along with other things.

    ``today`` may be a bound parameter, for statements built once and run many times.
    """
    return _newest_published(AgreementTemplate.id, today).limit(1).scalar_subquery()


def _newest_published(what, today=None):
    today = utcnow().date() if today is None else today
    return (select(what).where(AgreementTemplate.published_on <= today)
            .order_by(AgreementTemplate.published_on.desc(), AgreementTemplate.id.desc()))


def latest_revision(org: Organization) -> ChoiceRevision | None:
    return db.session.scalars(
        select(ChoiceRevision).where(ChoiceRevision.organization_id == org.id)
        .order_by(ChoiceRevision.number.desc()).limit(1)
    ).first()


def revisions(org: Organization) -> list[ChoiceRevision]:
    return list(db.session.scalars(
        select(ChoiceRevision).where(ChoiceRevision.organization_id == org.id)
        .order_by(ChoiceRevision.number.desc())
    ))


def revision(org: Organization, number: int) -> ChoiceRevision | None:
    return db.session.scalar(select(ChoiceRevision).where(
        ChoiceRevision.organization_id == org.id, ChoiceRevision.number == number))


def newest_revisions(org_ids: list[int] | None = None):
    """A SELECT of each organization's newest revision (to join or filter on), for all
    organizations or only ``org_ids`` (then the grouping reads only their rows)."""
    newest = select(ChoiceRevision.organization_id,
                    func.max(ChoiceRevision.number).label("number"))
    if org_ids is not None:
        newest = newest.where(ChoiceRevision.organization_id.in_(org_ids))
    newest = newest.group_by(ChoiceRevision.organization_id).subquery()
    return select(ChoiceRevision).join(newest, (
        ChoiceRevision.organization_id == newest.c.organization_id)
        & (ChoiceRevision.number == newest.c.number))


def latest_by_organization(org_ids: list[int]) -> dict[int, ChoiceRevision]:
    """The newest revision of each organization, in one query (staff lists: number and flags;
    the choices themselves stay in the database)."""
    stmt = newest_revisions(org_ids).options(defer(ChoiceRevision.choices_json, raiseload=True))
    return {row.organization_id: row for row in db.session.scalars(stmt)}


# --- the choices form's answers -------------------------------------------------------------

YES_NO = {"yes": True, "no": False}


def answers(choices: Choices) -> dict:
    """The choices as the choices form's fields hold them (to show the form filled in)."""
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
    data.update(signatory_email=choices.signatory.email)
    for second in choices.co_signatories[:1]:
        data.update(second_name=second.name, second_function=second.function,
                    second_authority=second.authority, second_email=second.email)
    return data


def choices_from(answers: Mapping, template: Template) -> Choices:
    """What a submitted choices form says (its fields by name), as choices to validate."""
    def text(name: str) -> str:
        return answers.get(name) or ""

    return Choices(
        selected={g.key: tuple(answers.get(g.key) or ()) for g in template.groups},
        other={g.key: text(f"other_{g.key}") for g in template.groups},
        sensitive_ack=bool(answers.get("sensitive_ack")),
        large_scale=YES_NO.get(answers.get("large_scale")),
        breach_contact=Contact(text("contact_name"), text("contact_email"),
                               text("contact_phone")),
        signatory=Signatory(text("signatory_name"), text("signatory_function"),
                            text("signatory_authority"), text("signatory_email")),
        disposition=text("disposition"),
        co_signatories=tuple(s for s in (Signatory(
            text("second_name"), text("second_function"), text("second_authority"),
            text("second_email")),)
            if any(v.strip() for v in (s.name, s.function, s.authority, s.email))),
    )


def suggestions(template: Template, services) -> dict[str, str]:
    """For each item the chosen services suggest, the names of those services."""
    names = {item.key: item.text for item in template.group("services").items}
    return {key: ", ".join(sorted(names[s] for s in by))
            for key, by in template.suggestions(tuple(services or ())).items()}


# --- saving --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    group: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    other_changed: bool = False


# The answers outside the four lists, in page order.
ANSWERS = ("large_scale", "breach_contact", "disposition", "signatory", "co_signatories")


@dataclass(frozen=True)
class RevisionChanges:
    """What one revision changed compared with the one before it."""

    first: bool
    groups: tuple[Change, ...]
    answers: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.groups or self.answers)


def changes(old: Choices | None, new: Choices) -> list[Change]:
    """Which catalog items were added and removed, and whether the free text changed, per group."""
    found = []
    for group in GROUP_KEYS:
        before = set(old.keys(group)) if old else set()
        after = set(new.keys(group))
        other_changed = (old.other_text(group) if old else "") != new.other_text(group)
        if before != after or other_changed:
            found.append(Change(group, tuple(sorted(after - before)),
                                tuple(sorted(before - after)), other_changed))
    return found


def answer_changes(old: Choices | None, new: Choices) -> tuple[str, ...]:
    if old is None:
        return ()
    return tuple(name for name in ANSWERS if getattr(old, name) != getattr(new, name))


def changes_by_number(revs: list[ChoiceRevision]) -> dict[int, RevisionChanges]:
    """For each revision, what it changed compared with the one saved before it."""
    ordered = sorted(revs, key=lambda rev: rev.number)
    found = {}
    for rev, prev in zip(ordered, [None, *ordered], strict=False):
        old = prev.choices if prev else None
        found[rev.number] = RevisionChanges(rev.number == 1, tuple(changes(old, rev.choices)),
                                            answer_changes(old, rev.choices))
    return found


def save(org: Organization, choices: Choices, actor: Actor, based_on: int | None = None,
         taken_over: list[str] | None = None) -> ChoiceRevision | None:
    """Store the choices as the next revision; None when nothing changed.

    ``based_on`` is the revision number the form was opened with; if a newer one was saved
    since, the two are merged (services.choice_merge: a second tab must not undo the first),
    ``taken_over`` receiving what came from the newer one; :class:`choice_merge.StaleChoices`
    when both changed the same answer.
    Raises :class:`ServiceErrors` listing every problem, so the form can show them all.
    """
    require(actor.user, Permission.EDIT_CHOICES)
    template = current_template()
    doc = template.document_template
    choices = _clean(choices).in_source_order(doc)
    found = problems(template, choices)
    if found:
        raise ServiceErrors(found)
    db.session.execute(  # one revision number at a time per organization
        select(Organization.id).where(Organization.id == org.id).with_for_update())
    previous = latest_revision(org)
    if based_on is not None and previous is not None and previous.number != based_on:
        opened = revision(org, based_on)
        merged, taken, conflicts = choice_merge.reconcile(
            opened.choices if opened else previous.choices, previous.choices, choices)
        if conflicts:
            stale = choice_merge.StaleChoices(previous, merged, conflicts)
            db.session.rollback()  # ends the lock taken above
            raise stale
        choices = merged.in_source_order(doc)
        found = problems(template, choices)
        if found:  # each side was complete; together they may not be
            db.session.rollback()
            raise ServiceErrors(found)
        if taken_over is not None:
            taken_over.extend(taken)
    if previous is not None and previous.template_id == template.id \
            and previous.choices.to_dict() == choices.to_dict():
        return None
    flags = choices.flags(doc)
    rev = ChoiceRevision(
        organization_id=org.id, number=(previous.number if previous else 0) + 1,
        template_id=template.id, author_id=actor.user.id if actor.user else None,
        author_label=actor.label, created_at=utcnow(),
        choices_json=json.dumps(choices.to_dict(), ensure_ascii=False, sort_keys=True),
        special_categories=SPECIAL in flags, criminal_data=CRIMINAL in flags,
        national_id=NATIONAL_ID in flags, large_scale=bool(choices.large_scale),
    )
    db.session.add(rev)
    db.session.flush()
    _index_services(org, choices)
    caught_up = notifications.catch_up(org)
    audit.record("agreement.choices_saved", actor=actor, organization=org, obj=rev, details={
        "revision": rev.number, "template": template.version,
        "changes": [c.__dict__ for c in changes(previous.choices if previous else None,
                                                 choices)],
        "answers_changed": list(answer_changes(previous.choices if previous else None, choices)),
        "flags": sorted(flags - {"other"}), "large_scale": rev.large_scale,
        "subprocessor_notices": caught_up,
    })
    signing_rounds.cancel_open(org, actor)  # who signed the old choices is told
    db.session.commit()
    notifications.mail_caught_up(org, caught_up)
    return rev


def _index_services(org: Organization, choices: Choices) -> None:
    """Keep the chosen-services index current (sub-processor notices join on it)."""
    db.session.execute(delete(OrganizationService)
                       .where(OrganizationService.organization_id == org.id))
    db.session.add_all(OrganizationService(organization_id=org.id, service=key)
                       for key in sorted(set(choices.keys("services"))))


def _clean(choices: Choices) -> Choices:
    """Trim free text; keep it as plain text (it is escaped wherever it is shown)."""
    return replace(
        choices,
        other={g: (choices.other.get(g) or "").strip() for g in GROUP_KEYS},
        breach_contact=replace(choices.breach_contact, **{
            k: v.strip() for k, v in choices.breach_contact.__dict__.items()}),
        signatory=_trimmed(choices.signatory),
        co_signatories=tuple(_trimmed(s) for s in choices.co_signatories),
    )


def _trimmed(signatory: Signatory) -> Signatory:
    return Signatory(signatory.name.strip(), signatory.function.strip(),
                     signatory.authority.strip(), normalise_email(signatory.email))


# --- the document --------------------------------------------------------------

def customer_party(org: Organization) -> Party:
    return Party(
        role=CUSTOMER, name=org.name, kvk_number=org.kvk_number,
        address=f"{org.address}, {org.postal_code} {org.city}"
                + ("" if org.country == "NL" else f", {org.country}"),
        customer_number=org.customer_number,
    )


def document(org: Organization, rev: ChoiceRevision) -> Document:
    """The agreement tailored to one revision of the organization's choices."""
    return tailor(rev.template.document_template, rev.choices, customer_party(org))


def standard_document(org: Organization) -> Document:
    """The current template with no choices made, to read before choosing."""
    return tailor(current_template().document_template, Choices(), customer_party(org))


def document_html(org: Organization, rev: ChoiceRevision) -> Markup:
    """The tailored agreement as the preview shows it (escaped HTML, headings from h2)."""
    return html.render(document(org, rev), heading_level=2)


def standard_html(org: Organization) -> Markup:
    return html.render(standard_document(org), heading_level=2)
