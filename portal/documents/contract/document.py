"""The agreement as one customer signs it: the template tailored to its choices and parties.

:func:`tailor` turns a template, the parties and a customer's choices into the
:class:`Document` that the HTML preview and the PDF are both rendered from, so both say the
same words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from .choices import Choices, Signatory
from .template import CRIMINAL, NATIONAL_ID, SPECIAL, Article, Group, Template, article_lines

# The parties as the agreement names them (its definitions, art. 1).
PROVIDER = "Verwerker"
CUSTOMER = "Verwerkingsverantwoordelijke"


@dataclass(frozen=True)
class Party:
    role: str  # PROVIDER or CUSTOMER
    name: str
    kvk_number: str
    address: str = ""
    customer_number: str = ""

    def lines(self) -> list[str]:
        """Who the party is, as the agreement's heading says it (after its role)."""
        lines = [f"{self.name}, KvK {self.kvk_number}"]
        if self.address:
            lines.append(self.address)
        if self.customer_number:
            lines.append(f"Klantnummer {self.customer_number}")
        return lines


@dataclass(frozen=True)
class AnnexList:
    code: str
    heading: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Detail:
    """One statement the customer made that the agreement asks for (art. 7.3, 12.3, ...)."""

    label: str
    value: str


@dataclass(frozen=True)
class Document:
    """The agreement as one customer signs it."""

    title: str
    version: str
    published: date
    parties: tuple[Party, ...]
    details: tuple[Detail, ...]
    preamble: str
    articles: tuple[Article, ...]
    annex1_heading: str
    annex1: tuple[AnnexList, ...]
    annex1_closing: str
    annex2_heading: str
    annex2_intro: str
    annex2_items: tuple[str, ...]

    def lines(self) -> Iterator[str]:
        """The document's text in reading order (the preview and the PDF both say this)."""
        yield self.title
        yield self.version_line
        for party in self.parties:
            yield party.role
            yield from party.lines()
        for detail in self.details:
            yield detail.label
            yield detail.value
        yield self.preamble
        yield from article_lines(self.articles)
        yield self.annex1_heading
        for annex_list in self.annex1:
            yield f"{annex_list.code}. {annex_list.heading}"
            yield from annex_list.entries
        yield self.annex1_closing
        yield self.annex2_heading
        yield self.annex2_intro
        yield from self.annex2_items

    @property
    def version_line(self) -> str:
        return f"Versie {self.version} van {dutch_date(self.published)}"

    def words(self) -> list[str]:
        return " ".join(self.lines()).split()


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def dutch_date(value: date) -> str:
    """25 mei 2018: dates in the agreement are written the Dutch way, whatever the locale."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


DISPOSITION_TEXT = {
    "return": "retourneren aan Verwerkingsverantwoordelijke",
    "delete": "verwijderen en/of vernietigen",
    "return_then_delete": "retourneren aan Verwerkingsverantwoordelijke en daarna verwijderen "
                          "en/of vernietigen",
}
AUTHORITY_TEXT = {
    "director": "bestuurder, als zodanig bevoegd volgens het Handelsregister",
    "proxy": "gevolmachtigde van een bevoegd bestuurder",
}


def _entries(group: Group, choices: Choices) -> tuple[str, ...]:
    chosen = set(choices.keys(group.key))
    other = choices.other_text(group.key)
    entries = []
    for item in group.items:
        if item.key not in chosen:
            continue
        entries.append(f"{item.text}: {other}" if item.is_other and other else item.text)
    if other and group.other_item is None:
        entries.append(f"Overige: {other}")
    return tuple(entries)


def tailor(template: Template, choices: Choices, customer: Party) -> Document:
    """The agreement for one customer: Bijlage 1 lists only what it chose, in source order."""
    provider = Party(PROVIDER, template.provider_name, template.provider_kvk)
    contact = choices.breach_contact
    details = [
        Detail("Contactpunt voor meldingen (artikel 7.3)",
               ", ".join(p for p in (contact.name, contact.email, contact.phone) if p) or "–"),
        Detail("Keuze bij beëindiging (artikel 12.3)",
               DISPOSITION_TEXT.get(choices.disposition, "–")),
        Detail("Meer dan 100.000 betrokkenen",
               {True: "ja", False: "nee"}.get(choices.large_scale, "–")),
    ]
    if choices.flags(template) & {SPECIAL, CRIMINAL, NATIONAL_ID}:
        details.append(Detail(
            "Bijzondere, strafrechtelijke of identificerende gegevens",
            "Verwerkingsverantwoordelijke bevestigt hiervoor een grondslag te hebben "
            "(AVG artikel 9 en 10, UAVG artikel 46)"))
    people = [s for s in choices.signatories if s.name]
    if len(people) == 1:
        details.append(Detail("Ondertekenaar namens Verwerkingsverantwoordelijke",
                              signatory_text(people[0])))
    elif people:
        details.append(Detail(
            "Ondertekenaars namens Verwerkingsverantwoordelijke, in deze volgorde",
            "; ".join(f"{n}. {signatory_text(s)}" for n, s in enumerate(people, 1))))
    return Document(
        title=template.title,
        version=template.version,
        published=template.published,
        parties=(provider, customer),
        details=tuple(details),
        preamble=template.preamble,
        articles=template.articles,
        annex1_heading=template.annex1_heading,
        annex1=tuple(AnnexList(g.code, g.heading, _entries(g, choices)) for g in template.groups),
        annex1_closing=template.annex1_closing,
        annex2_heading=template.annex2_heading,
        annex2_intro=template.annex2_intro,
        annex2_items=template.annex2_items,
    )


def signatory_text(signatory: Signatory) -> str:
    return ", ".join(p for p in (signatory.name, signatory.function,
                                 AUTHORITY_TEXT.get(signatory.authority, "")) if p)
