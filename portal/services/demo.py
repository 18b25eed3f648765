"""Demo data for development: Voxio staff and two customers with users."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.documents.contract import Choices, Contact, Signatory
from portal.extensions import db
from portal.models import CustomerRole, Organization, Role, User
from portal.services import (
    agreements,
    announcements,
    audit,
    passwords,
    preparation,
    signing,
    subprocessors,
    users,
)
from portal.services.context import Actor, cli_actor
from portal.services.subprocessors import SubProcessorData

DEMO_PASSWORD = "zeilboot koffiemolen lantaarn"  # noqa: S105 (printed demo login)

STAFF = [
    ("admin@voxio.nl", "Sanne de Vries", Role.STAFF_ADMIN),
    ("support@voxio.nl", "Daan Bakker", Role.STAFF),
]
OWNER, SIGNATORY = CustomerRole.OWNER, CustomerRole.SIGNATORY
PRIVACY = CustomerRole.PRIVACY_CONTACT
CUSTOMERS = [
    (dict(name="Bakkerij Jansen B.V.", kvk_number="12345678", customer_number="VX-10001",
          address="Dorpsstraat 12", postal_code="1234 AB", city="Utrecht"),
     [("eigenaar@bakkerij-jansen.nl", "Petra Jansen", (OWNER, SIGNATORY, PRIVACY)),
      ("medewerker@bakkerij-jansen.nl", "Ahmed El Amrani", ())]),
    (dict(name="Tandartspraktijk Smile", kvk_number="87654321", customer_number="VX-10002",
          address="Kerkplein 3", postal_code="5611 AA", city="Eindhoven"),
     [("eigenaar@tandarts-smile.nl", "Lotte Visser", (OWNER, SIGNATORY)),
      ("privacy@tandarts-smile.nl", "Femke de Wit", (PRIVACY,)),
      ("assistent@tandarts-smile.nl", "Joris Mulder", ())]),
]


def create_demo() -> bool:
    """Create the demo accounts unless they exist; returns whether anything was created."""
    if db.session.scalar(select(User).where(User.email == STAFF[0][0])) is not None:
        return False
    actor = cli_actor("seed")
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    for email, name, role in STAFF:
        user = User(email=email, name=name, role=role, password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
        audit.record("user.created", actor=actor, obj=user, details={"role": role.value})
    for org_data, people in CUSTOMERS:
        org = Organization(**org_data)
        db.session.add(org)
        db.session.flush()
        audit.record("organization.created", actor=actor, organization=org, obj=org)
        for email, name, roles in people:
            user = User(email=email, name=name, role=Role.CUSTOMER, organization=org,
                        password_hash=password_hash)
            user.customer_roles = roles
            db.session.add(user)
            db.session.flush()
            audit.record("user.created", actor=actor, organization=org, obj=user,
                         details={"roles": users.role_names(roles)})
    db.session.commit()
    _demo_subprocessors()
    _demo_choices()
    return True


def _demo_choices() -> None:
    """The dentist has saved its choices (health data and BSN: flagged for staff)."""
    org = db.session.scalar(select(Organization).where(Organization.customer_number == "VX-10002"))
    owner = db.session.scalar(select(User).where(User.email == "eigenaar@tandarts-smile.nl"))
    agreements.save(org, Choices(
        selected={"services": ("webhosting", "email", "offsite_backup"),
                  "purposes": ("hosting", "security"),
                  "data_categories": ("name_address", "contact_details", "birth_date",
                                      "communication_content", "bsn", "health"),
                  "data_subjects": ("customers", "website_visitors", "employees")},
        sensitive_ack=True, large_scale=False,
        breach_contact=Contact("Lotte Visser", "privacy@tandarts-smile.nl", "+31 40 123 45 67"),
        signatory=Signatory("Lotte Visser", "Praktijkhouder", "director"),
        disposition="return_then_delete",
    ), Actor(user=owner))
    _demo_signature(org, owner)


def _demo_signature(org: Organization, owner: User) -> None:
    """The dentist has also signed, so signed copies and the verify page have something."""
    actor = Actor(user=owner, ip="127.0.0.1", user_agent="demo data")
    prepared = preparation.prepare(org, owner, actor)
    signing.sign(prepared, signing.Confirmation(
        prepared.signatory_name, prepared.signatory_function, True), owner, None, actor)


def _demo_subprocessors() -> None:
    """A realistic register, one announced change (notices go out through the task queue)."""
    actor = cli_actor("seed")
    since = date(2021, 1, 1)
    for data in (
        SubProcessorData("NoordPoort Datacenters", "NoordPoort Datacenters B.V., Amsterdam",
                         "Datacenterruimte, stroom en koeling voor de servers van Voxio",
                         ("webhosting", "email", "offsite_backup", "colocation",
                          "cloud_storage", "load_balancing", "private_network"), ("NL",)),
        SubProcessorData("Tweede Kluis Back-up", "Tweede Kluis B.V., Frankfurt am Main",
                         "Tweede locatie voor back-ups", ("offsite_backup", "cloud_storage"),
                         ("DE",)),
        SubProcessorData("Betaalbaar Incasso", "Betaalbaar Incasso B.V., Utrecht",
                         "Incasso en betalingsverkeer voor facturen", ("billing",), ("NL",)),
        SubProcessorData("Certly", "Certly Inc., Salt Lake City",
                         "Uitgifte van SSL-certificaten", ("ssl_certificates",), ("US",), "scc"),
    ):
        subprocessors.create_active(data, since, actor)
    announcements.announce(
        "add", actor=actor, effective_on=announcements.earliest_effective() + timedelta(days=5),
        reason="Betere aflevering van e-mail naar grote providers (spamfilters).",
        data=SubProcessorData("Postbode Mail", "Postbode Mail B.V., Utrecht",
                              "Uitgaande e-mail van klanten afleveren (smarthost)", ("email",),
                              ("NL", "DE")))
