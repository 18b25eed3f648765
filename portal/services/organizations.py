"""Customer organizations, created by Voxio staff together with the invitation of their owner."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from portal.extensions import db
from portal.models import CustomerRole, Organization, Role, SignedAgreement, User, utcnow
from portal.services import (
    ServiceErrors,
    agreements,
    audit,
    invitations,
    printable,
    sign_reminders,
    versions,
)
from portal.services.context import Actor

# The first person usually does everything until they invite colleagues for the other roles.
FIRST_PERSON_ROLES = frozenset({CustomerRole.OWNER, CustomerRole.SIGNATORY,
                                CustomerRole.PRIVACY_CONTACT})


@dataclass(frozen=True)
class OrganizationData:
    name: str
    kvk_number: str
    customer_number: str
    address: str
    postal_code: str
    city: str
    country: str = "NL"


def _check(data: OrganizationData, current: Organization | None = None) -> None:
    problems = printable.problems({"name": data.name, "address": data.address,
                                   "postal_code": data.postal_code, "city": data.city})
    clash = db.session.scalar(select(Organization.id).where(
        Organization.customer_number == data.customer_number
    ))
    if clash is not None and (current is None or clash != current.id):
        problems.append(("customer_number",
                         _("Another customer already has this customer number.")))
    if problems:
        raise ServiceErrors(problems)


def create(data: OrganizationData, owner_email: str, owner_name: str,
           actor: Actor) -> Organization:
    """Register a customer and invite its first owner, in one transaction."""
    _check(data)
    org = Organization(**asdict(data))
    db.session.add(org)
    db.session.flush()
    audit.record("organization.created", actor=actor, organization=org, obj=org,
                 details=asdict(data))
    invitations.invite(org, owner_email, owner_name, Role.CUSTOMER, actor, commit=False,
                       roles=FIRST_PERSON_ROLES)
    db.session.commit()
    return org


def base(org: Organization) -> str:
    """The customer's details as the edit form opens them (services.versions)."""
    return versions.base_of(_details(org))


def _details(org: Organization) -> dict[str, str]:
    return {name: getattr(org, name) for name in OrganizationData.__dataclass_fields__}


def update(org: Organization, data: OrganizationData, actor: Actor,
           opened: str | None = None) -> list[str]:
    """Save a customer's details, merged with changes saved since the form was ``opened``;
    the fields taken over from those. :class:`versions.StaleEdit` on a conflict."""
    db.session.execute(select(Organization.id).where(Organization.id == org.id)
                       .with_for_update())  # two saves at once: the second sees the first
    db.session.refresh(org)
    try:
        values, taken = versions.reconcile(_details(org), opened, asdict(data))
    except versions.StaleEdit:
        db.session.rollback()  # ends the lock taken above
        raise
    data = OrganizationData(**values)
    _check(data, org)
    changes = {k: v for k, v in asdict(data).items() if getattr(org, k) != v}
    if not changes:
        db.session.rollback()
        return taken
    for key, value in changes.items():
        setattr(org, key, value)
    audit.record("organization.updated", actor=actor, organization=org, obj=org, details=changes)
    db.session.commit()
    return taken


def record_staff_view(org: Organization, actor: Actor, what: str = "overview") -> None:
    """Log that Voxio staff opened a customer's data (Bijlage 2: logging of all access)."""
    audit.record("organization.viewed_by_staff", actor=actor, organization=org, obj=org,
                 details={"viewed": what})
    db.session.commit()


FLAG_FILTERS = ("sensitive", "large_scale", "no_choices", "unsigned", "signed", "overdue")


def search(term: str = "", flag: str = "") -> Select:
    """Customers by name, customer number or KvK number, and by the flags of their choices."""
    stmt = select(Organization).order_by(Organization.name, Organization.id)
    newest = agreements.newest_revisions().subquery() if flag else None
    if flag == "sensitive":
        stmt = stmt.where(Organization.id.in_(select(newest.c.organization_id).where(
            newest.c.special_categories | newest.c.criminal_data | newest.c.national_id)))
    elif flag == "large_scale":
        stmt = stmt.where(Organization.id.in_(
            select(newest.c.organization_id).where(newest.c.large_scale)))
    elif flag == "no_choices":
        stmt = stmt.where(Organization.id.not_in(select(newest.c.organization_id)))
    elif flag == "overdue":  # past the date Voxio asked them to sign by
        stmt = stmt.where(sign_reminders.overdue(utcnow().date()))
    elif flag in ("signed", "unsigned"):
        # "signed": the current signed agreement covers the newest choices
        covered = select(SignedAgreement.organization_id).where(
            SignedAgreement.superseded_at.is_(None),
            SignedAgreement.revision_id.in_(select(newest.c.id)))
        stmt = stmt.where(Organization.id.in_(covered) if flag == "signed"
                          else Organization.id.not_in(covered))
    term = term.strip().lower()
    if term:
        stmt = stmt.where(or_(
            func.lower(Organization.name).contains(term, autoescape=True),
            func.lower(Organization.customer_number).contains(term, autoescape=True),
            Organization.kvk_number.contains(term, autoescape=True),
        ))
    return stmt


def user_counts(orgs: list[Organization]) -> dict[int, int]:
    """Active users per organization, for a page of organizations in one query."""
    ids = [org.id for org in orgs]
    rows = db.session.execute(
        select(User.organization_id, func.count(User.id))
        .where(User.organization_id.in_(ids), User.active.is_(True))
        .group_by(User.organization_id)
    )
    return {org_id: count for org_id, count in rows}
