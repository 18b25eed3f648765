"""Saving choices: rules, revisions, flags, audit, exports, the stored template."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.documents.contract import BUNDLED, Contact, Signatory, load_toml
from portal.extensions import db
from portal.models import AgreementTemplate, AuditEvent, ChoiceRevision
from portal.services import ServiceErrors, agreements, choice_exports
from portal.services.context import Actor
from tests.factories import ALL_ROLES, make_org, make_revision, make_user, valid_choices


@pytest.fixture
def org(db):
    return make_org("Keuze B.V.")


def _problems(**overrides) -> dict[str, str]:
    template = agreements.current_template()
    return dict(agreements.problems(template, valid_choices(**overrides)))


def test_stored_template_is_the_bundled_file(db):
    stored = agreements.current_template()
    bundled = load_toml(BUNDLED / "2018.1.toml")
    assert stored.version == "2018.1" and stored.sha256 == bundled.sha256
    assert stored.document_template.words() == bundled.words()


def test_stored_template_cannot_be_edited(db):
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(text("UPDATE agreement_templates SET title = 'x'"))
    db.session.rollback()


def test_valid_choices_have_no_problems(db):
    assert _problems() == {}


def test_every_group_needs_an_item_or_other_text(db):
    found = _problems(selected={})
    assert set(found) >= {"services", "purposes", "data_categories", "data_subjects"}
    only_text = _problems(selected={"services": ("email",), "purposes": ("hosting",),
                                    "data_categories": ("ip_address",)},
                          other={"data_subjects": ""})
    assert "data_subjects" in only_text
    with_other = valid_choices(selected={"services": (), "purposes": ("hosting",),
                                         "data_categories": ("ip_address",),
                                         "data_subjects": ("customers",)},
                               other={"services": "Eigen maatwerk"})
    assert agreements.problems(agreements.current_template(), with_other) == []


def test_other_text_is_length_limited_and_tied_to_its_item(db):
    assert "other_services" in _problems(other={"services": "x" * 501})
    ticked_without_text = _problems(selected={**valid_choices().selected,
                                              "data_subjects": ("other",)})
    assert "other_data_subjects" in ticked_without_text
    text_without_tick = _problems(other={"data_categories": "Foto's"})
    assert "other_data_categories" in text_without_tick


@pytest.mark.parametrize("key", ["health", "criminal", "bsn", "id_copy"])
def test_sensitive_items_need_an_acknowledgement(db, key):
    selected = {**valid_choices().selected, "data_categories": ("name_address", key)}
    assert "sensitive_ack" in _problems(selected=selected)
    assert _problems(selected=selected, sensitive_ack=True) == {}


def test_contact_signatory_and_disposition_are_required_and_checked(db):
    found = _problems(breach_contact=Contact("", "geen-email", "abc"),
                      signatory=Signatory("", "", "king"), disposition="burn",
                      large_scale=None)
    assert {"contact_name", "contact_email", "contact_phone", "signatory_name",
            "signatory_function", "signatory_authority", "disposition", "large_scale"} <= set(found)


def test_unknown_items_are_refused(db):
    assert "services" in _problems(selected={**valid_choices().selected,
                                             "services": ("teleportation",)})


def test_each_save_adds_a_revision_and_identical_saves_add_none(org):
    owner = make_user(org, ALL_ROLES)
    first = make_revision(org, owner)
    assert first.number == 1 and first.author_label == owner.email
    assert make_revision(org, owner) is None
    second = make_revision(org, owner, large_scale=True)
    assert second.number == 2 and second.large_scale
    assert [r.number for r in agreements.revisions(org)] == [2, 1]
    assert agreements.revision(org, 1).choices.large_scale is False  # kept as it was


def test_revisions_are_immutable(org):
    make_revision(org)
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(text("UPDATE choice_revisions SET large_scale = true"))
    db.session.rollback()


def test_save_refuses_with_every_problem_and_stores_nothing(org):
    with pytest.raises(ServiceErrors) as caught:
        agreements.save(org, valid_choices(selected={}, disposition=""),
                        Actor(label_override="t"))
    fields = {f for f, _m in caught.value.problems}
    assert {"services", "disposition"} <= fields
    assert db.session.scalar(select(ChoiceRevision)) is None


def test_flags_are_set_for_staff_and_the_change_is_audited(org):
    selected = {**valid_choices().selected,
                "data_categories": ("name_address", "health", "bsn", "criminal")}
    rev = make_revision(org, selected=selected, sensitive_ack=True, large_scale=True)
    assert rev.special_categories and rev.national_id and rev.criminal_data and rev.large_scale
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "agreement.choices_saved"))
    details = json.loads(event.details)
    assert details["revision"] == 1 and set(details["flags"]) == {
        "special", "national_id", "criminal"}
    assert event.organization_id == org.id


def test_choices_are_stored_in_source_order(org):
    selected = {**valid_choices().selected, "services": ("email", "billing", "webhosting")}
    rev = make_revision(org, selected=selected)
    assert rev.choices.keys("services") == ("webhosting", "email", "billing")


def test_changes_between_revisions(org):
    make_revision(org)
    make_revision(org, selected={**valid_choices().selected, "services": ("webhosting",
                                                                          "billing")})
    make_revision(org, other={"purposes": "Nieuwsbrieven"}, disposition="return",
                  signatory=Signatory("Anna de Vries", "Directeur", "director"))
    changes = agreements.changes_by_number(agreements.revisions(org))
    assert changes[1].first and not changes[2].first
    services = next(c for c in changes[2].groups if c.group == "services")
    assert services.added == ("billing",) and services.removed == ("email",)
    assert changes[2].answers == ()
    assert {c.group for c in changes[1].groups} == {"services", "purposes", "data_categories",
                                                    "data_subjects"}
    third = changes[3]
    assert [(c.group, c.added, c.removed, c.other_changed) for c in third.groups] == [
        ("services", ("email",), ("billing",), False), ("purposes", (), (), True)]
    assert third.answers == ("disposition", "signatory")


def test_exports_hold_the_chosen_items(org):
    rev = make_revision(org, other={"services": "=cmd|' /C calc'!A0"})
    data = choice_exports.as_dict(org, rev)
    assert [i["key"] for i in data["annex_1"]["services"]["items"]] == ["webhosting", "email"]
    assert data["agreement"]["version"] == "2018.1"
    rows = list(csv.DictReader(io.StringIO(choice_exports.as_csv(org, rev))))
    assert {"webhosting", "email", "customers", "other_text"} <= {r["key"] for r in rows}
    assert next(r for r in rows if r["key"] == "other_text")["text"].startswith("'=")


def test_document_uses_the_revisions_template_and_the_organization(org):
    rev = make_revision(org)
    doc = agreements.document(org, rev)
    assert doc.parties[1].name == "Keuze B.V." and doc.parties[1].kvk_number == org.kvk_number
    assert isinstance(db.session.get(AgreementTemplate, rev.template_id).sha256, str)


def test_a_second_signatory_needs_a_name_a_title_and_authority_and_must_be_someone_else(db):
    half = _problems(co_signatories=(Signatory("Femke de Wit", "", ""),))
    assert set(half) >= {"second_function", "second_authority", "second_email",
                         "signatory_email"}  # each signs with their own account
    twice = _problems(co_signatories=(Signatory("Petra Jansen", "Directeur", "director"),))
    assert "iemand anders" in twice["second_name"]
    petra = Signatory("Petra Jansen", "Directeur", "director", "petra@klant.nl")
    assert _problems(signatory=petra, co_signatories=(
        Signatory("Femke de Wit", "FG", "proxy", "femke@klant.nl"),)) == {}


def test_the_agreement_names_several_signatories_in_their_order(org):
    rev = make_revision(org, signatory=Signatory("Petra Jansen", "Directeur", "director",
                                                 "petra@klant.nl"),
                        co_signatories=(Signatory("Femke de Wit", "FG", "proxy", "f@klant.nl"),))
    details = dict((d.label, d.value) for d in agreements.document(org, rev).details)
    assert details["Ondertekenaars namens Verwerkingsverantwoordelijke, in deze volgorde"] == (
        "1. Petra Jansen, Directeur, bestuurder, als zodanig bevoegd volgens het "
        "Handelsregister; 2. Femke de Wit, FG, gevolmachtigde van een bevoegd bestuurder")
