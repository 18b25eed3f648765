"""Small factories for test data: each adds and flushes (the ``db`` fixture's session; the
test client commits before each request). conftest.py offers them as fixtures too."""

from __future__ import annotations

import itertools
import time
from typing import NamedTuple

import pyotp

from portal.documents.contract import Choices, Contact, Signatory
from portal.extensions import db
from portal.models import CustomerRole, Organization, Role, User
from portal.services import agreements, passwords
from portal.services.context import Actor
from portal.services.encryption import app_keyring

PASSWORD = "paarse olifant danst op het dak"
_counter = itertools.count(1)


def make_org(name: str | None = None, **kw) -> Organization:
    n = next(_counter)
    org = Organization(
        name=name or f"Klant {n} B.V.", kvk_number=kw.pop("kvk_number", f"{10000000 + n}"),
        customer_number=kw.pop("customer_number", f"VX-{20000 + n}"),
        address=kw.pop("address", "Stationsplein 1"), postal_code=kw.pop("postal_code", "1012 AB"),
        city=kw.pop("city", "Amsterdam"), **kw,
    )
    db.session.add(org)
    db.session.flush()
    return org


# A customer's person: every role (as the first person of a new customer has), or none.
ALL_ROLES = (CustomerRole.OWNER, CustomerRole.SIGNATORY, CustomerRole.PRIVACY_CONTACT)
MEMBER = ()


def make_user(org: Organization | None = None, role: Role | tuple = ALL_ROLES, *,
              email: str | None = None, name: str | None = None, totp: bool = False,
              password: str = PASSWORD, **kw) -> User:
    """A staff member (``role`` a Role) or a customer's person (``role`` the CustomerRoles)."""
    n = next(_counter)
    kind = role if isinstance(role, Role) else Role.CUSTOMER
    user = User(
        email=email or f"user{n}@example.com", name=name or f"Gebruiker {n}", role=kind,
        organization=org, password_hash=passwords.hash_password(password), **kw,
    )
    if kind == Role.CUSTOMER:
        user.customer_roles = role
    db.session.add(user)
    db.session.flush()
    user.totp_plain = None
    if totp:
        secret = pyotp.random_base32()
        user.totp_secret = app_keyring().encrypt(secret.encode(), f"totp:{user.id}".encode())
        user.totp_plain = secret
        db.session.flush()
    return user


def make_staff(role: Role = Role.STAFF, **kw) -> User:
    return make_user(None, role, totp=kw.pop("totp", True), **kw)


class Customer(NamedTuple):
    org: Organization
    owner: User
    member: User


def totp_now(user, offset: int = 0) -> str:
    """The user's current TOTP code, or the one ``offset`` steps (of 30 s) away."""
    return pyotp.TOTP(user.totp_plain).at(time.time() + offset * 30)


def valid_choices(**overrides) -> Choices:
    """Choices that pass every rule (override parts to test one)."""
    data = dict(
        selected={"services": ("webhosting", "email"), "purposes": ("hosting",),
                  "data_categories": ("name_address", "contact_details"),
                  "data_subjects": ("customers",)},
        other={},
        large_scale=False,
        breach_contact=Contact("Functionaris Gegevensbescherming", "fg@example.com",
                               "+31 30 123 45 67"),
        signatory=Signatory("Petra Jansen", "Directeur", "director"),
        disposition="delete",
    )
    data.update(overrides)
    return Choices(**data)


def make_revision(org: Organization, author: User | None = None, **overrides):
    """Save choices for ``org`` through the service (commits); returns the revision."""
    actor = Actor(user=author, label_override=None if author else "test")
    return agreements.save(org, valid_choices(**overrides), actor)
