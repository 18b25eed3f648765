"""The agreement as data: word-for-word fidelity, catalogs, tailoring, HTML. No app needed."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.documents.contract import (
    BUNDLED,
    Choices,
    Party,
    Template,
    bundled_templates,
    html,
    load_toml,
    tailor,
)
from tests.factories import valid_choices

SOURCE = Path(__file__).resolve().parent.parent / "fixtures" / "verwerkersovereenkomst-voxio.txt"
# SHA-256 of the contract text as Voxio delivered it (shared/contract/, next to the project),
# of which the fixture is a byte-for-byte copy.
RECEIVED_SHA256 = "6cf53ddee8c0680e0d4e9ea4efb5ab7ad2beee52f9413fb1743bc35d31647b1f"
CUSTOMER = Party("Verwerkingsverantwoordelijke", "Bakkerij Jansen B.V.", "12345678",
                 "Dorpsstraat 12, 1234 AB Utrecht", "VX-10001")


def source_words() -> list[str]:
    """The source's words with the extraction artefacts removed (see its README)."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    toc = lines.index("Inhoudsopgave")
    body = next(i for i, line in enumerate(lines) if i > toc and line.startswith("Artikel 1. "))
    words = []
    for line in lines[:toc] + lines[body:]:
        # Bullet markers, including the false bullets that page breaks put inside sentences.
        words.extend(re.sub(r"^\s*-\s+", "", line).split())
    return words


@pytest.fixture(scope="module")
def template() -> Template:
    return load_toml(BUNDLED / "2018.1.toml")


def test_fixture_is_the_text_as_received():
    assert hashlib.sha256(SOURCE.read_bytes()).hexdigest() == RECEIVED_SHA256


def test_template_says_the_source_word_for_word(template):
    expected, actual = source_words(), template.words()
    for i, (want, got) in enumerate(zip(expected, actual, strict=False)):
        assert want == got, f"word {i}: expected {want!r}, template has {got!r}: " \
            f"...{' '.join(actual[max(0, i - 8):i + 3])}..."
    assert len(actual) == len(expected)


def test_artefacts_are_gone(template):
    text = " ".join(template.lines())
    assert "Inhoudsopgave" not in text and "....." not in text
    assert "Artikel 7. Artikel 7." not in text
    clause_42 = template.articles[3].clauses[1]
    assert clause_42.number == "4.2" and not clause_42.items
    assert "Verwerkingsverantwoordelijke, verwerkingen voor doeleinden" in clause_42.text
    clause_111 = template.articles[10].clauses[0]
    assert "het bedrag aan ontvangen vergoedingen" in clause_111.text
    clause_73 = template.articles[6].clauses[2]
    assert clause_73.number == "7.3" and len(clause_73.items) == 4
    assert template.group("data_categories").heading.endswith(
        "de volgende categorieën persoonsgegevens:")


def test_articles_and_clauses_are_numbered_in_order(template):
    assert [a.number for a in template.articles] == [str(n) for n in range(1, 14)]
    for article in template.articles:
        numbers = [c.number for c in article.clauses]
        assert numbers == [f"{article.number}.{n}" for n in range(1, len(numbers) + 1)]


EXPECTED = {
    "services": ["webhosting", "offsite_backup", "colocation", "domain_registration",
                 "cloud_storage", "email", "load_balancing", "ssl_certificates", "billing",
                 "debtor_data_transfer", "private_network"],
    "purposes": ["hosting", "vps", "security", "network_setup", "whois", "invoicing"],
    "data_categories": [
        "name_address", "contact_details", "identification_number", "customer_number",
        "payment_details", "cv", "birth_date", "gender", "nationality", "login_details",
        "financial_data", "ip_address", "social_media", "browsing_behaviour", "orders_usage",
        "communication_content", "licence_plate", "location", "passport_photos",
        "camera_footage", "personnel_file", "biometric", "bsn", "genetic", "id_copy",
        "religion", "race", "sexual_orientation", "trade_union", "health", "criminal", "other"],
    "data_subjects": ["customers", "website_visitors", "employees", "applicants",
                      "account_holders", "prospects", "suppliers", "other"],
}
FLAGGED = {
    ("data_categories", "biometric"): {"special"},
    ("data_categories", "genetic"): {"special"},
    ("data_categories", "religion"): {"special"},
    ("data_categories", "race"): {"special"},
    ("data_categories", "sexual_orientation"): {"special"},
    ("data_categories", "trade_union"): {"special"},
    ("data_categories", "health"): {"special"},
    ("data_categories", "criminal"): {"criminal"},
    ("data_categories", "bsn"): {"national_id"},
    ("data_categories", "id_copy"): {"national_id"},
    ("data_categories", "other"): {"other"},
    ("data_subjects", "other"): {"other"},
}


def test_every_catalog_item_exists_once_in_source_order_with_its_flags(template):
    assert [g.code for g in template.groups] == ["1.A", "1.B", "1.C", "1.D"]
    for group in template.groups:
        assert [i.key for i in group.items] == EXPECTED[group.key]
        for item in group.items:
            assert set(item.flags) == FLAGGED.get((group.key, item.key), set()), item.key
    texts = {i.key: i.text for i in template.group("data_categories").items}
    assert texts["bsn"] == "Burgerservicenummer (BSN)"
    assert texts["health"] == "Gezondheidsgegevens/medische gegevens"
    assert texts["criminal"].startswith("Strafrechtelijke gegevens")


def test_suggestions_point_to_existing_items(template):
    keys = {i.key for g in template.groups for i in g.items}
    for service in template.group("services").items:
        assert set(service.suggests) <= keys, service.key
    assert "communication_content" in template.suggestions(("email",))
    assert "payment_details" in template.suggestions(("billing",))


def test_stored_form_round_trips_unchanged(template):
    again = Template.from_json(template.to_json())
    assert again.words() == template.words()
    assert again.sha256 == template.sha256
    assert [t.version for t in bundled_templates()] == ["2018.1"]


def test_tailored_annex_lists_only_the_chosen_items_in_source_order(template):
    choices = valid_choices(
        selected={"services": ("email", "webhosting"), "purposes": ("invoicing", "hosting"),
                  "data_categories": ("ip_address", "name_address", "other"),
                  "data_subjects": ("other",)},
        other={"services": "Maatwerk-API", "data_categories": "Klantfoto's",
               "data_subjects": "Vrijwilligers"},
    ).in_source_order(template)
    doc = tailor(template, choices, CUSTOMER)
    annex = {a.code: a.entries for a in doc.annex1}
    assert annex["1.A"] == ("Webhosting", "E-mail", "Overige: Maatwerk-API")
    assert annex["1.B"] == ("Hosting, cloudopslag",
                            "Klant informatie ten behoeve van de facturatie")
    assert annex["1.C"] == ("NAW-gegevens", "IP-adres", "Overige via de diensten van Verwerker "
                            "opgeslagen of anderszins te verwerken gegevens: Klantfoto's")
    assert annex["1.D"][0].endswith(": Vrijwilligers")
    assert doc.parties[1].name == "Bakkerij Jansen B.V." and doc.version == "2018.1"
    # everything outside Bijlage 1 is the template's own text
    assert doc.articles == template.articles and doc.annex2_items == template.annex2_items


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def test_html_preview_says_exactly_the_document_words(template):
    doc = tailor(template, valid_choices().in_source_order(template), CUSTOMER)
    parser = _Text()
    parser.feed(str(html.render(doc)))
    assert " ".join(parser.parts).split() == doc.words()


def test_customer_text_is_escaped_in_html(template):
    choices = valid_choices(other={"services": "<script>alert(1)</script>"})
    doc = tailor(template, choices, Party("Verwerkingsverantwoordelijke",
                                          "<b>Evil</b> & Co", "12345678"))
    rendered = str(html.render(doc))
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in rendered


def test_choices_round_trip_through_plain_data(template):
    choices = valid_choices(sensitive_ack=True, other={"data_subjects": "x"})
    assert Choices.from_dict(choices.to_dict()).to_dict() == choices.to_dict()
