"""What staff type for the agreement's PDF is checked where they type it, like the customer's
choices: no direction overrides, only characters the PDF's fonts can print."""

from __future__ import annotations

import pytest

from portal.services import ServiceErrors, organizations, subprocessors
from portal.services.context import Actor

ACTOR = Actor(label_override="test")
ORG = dict(name="Bakkerij Jansen B.V.", kvk_number="12345678", customer_number="VX-1",
           address="Dorpsstraat 1", postal_code="1234 AB", city="Utrecht")


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Bakkerij \u202eJansen"), ("address", "Straat 𓀀 1"), ("city", "Ut\u2066recht"),
])
def test_an_organizations_details_must_print_as_typed(db, field, value):
    with pytest.raises(ServiceErrors) as refused:
        organizations.create(organizations.OrganizationData(**{**ORG, field: value}),
                             "owner@example.com", "Eigenaar", ACTOR)
    assert field in dict(refused.value.problems)


def test_an_organization_in_any_script_is_registered(db):
    org = organizations.create(organizations.OrganizationData(**{**ORG, "name": "王氏 บริษัท"}),
                               "owner@example.com", "Eigenaar", ACTOR)
    assert org.name == "王氏 บริษัท"


def test_a_subprocessors_name_must_print_as_typed(db):
    data = subprocessors.SubProcessorData("Wolk \u202eB.V.", "Wolk B.V.", "Opslag",
                                          ("webhosting",), ("NL",))
    problems = dict(subprocessors.check_data(data))
    assert "schrijfrichting" in problems["name"]  # service messages come in Dutch by default
