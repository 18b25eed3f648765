"""The agreement as data: a versioned template, a customer's choices, the tailored document.

Flask-free. A :class:`Template` holds the verwerkersovereenkomst word for word (preamble,
articles with numbered clauses and lists, Bijlage 1 catalogs, Bijlage 2). :func:`tailor` turns a
template, the parties and a customer's :class:`Choices` into the :class:`Document` that the HTML
preview and the PDF are both rendered from, so both say the same words.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent / "agreements"

GROUP_KEYS = ("services", "purposes", "data_categories", "data_subjects")
SPECIAL, CRIMINAL, NATIONAL_ID, OTHER = "special", "criminal", "national_id", "other"
DISPOSITIONS = ("return", "delete", "return_then_delete")


# --- the template --------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogItem:
    key: str
    text: str
    en: str
    flags: frozenset[str] = frozenset()
    suggests: tuple[str, ...] = ()

    @property
    def sensitive(self) -> bool:
        """Special category (art. 9), criminal data (art. 10) or a national id number."""
        return bool(self.flags & {SPECIAL, CRIMINAL, NATIONAL_ID})

    @property
    def is_other(self) -> bool:
        return OTHER in self.flags


@dataclass(frozen=True)
class Group:
    """One list of Bijlage 1: 1.A services, 1.B purposes, 1.C data, 1.D data subjects."""

    key: str
    code: str
    heading: str
    en: str
    items: tuple[CatalogItem, ...]

    def item(self, key: str) -> CatalogItem | None:
        return next((item for item in self.items if item.key == key), None)

    @property
    def other_item(self) -> CatalogItem | None:
        return next((item for item in self.items if item.is_other), None)


@dataclass(frozen=True)
class Clause:
    number: str
    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    number: str
    title: str
    clauses: tuple[Clause, ...]

    @property
    def heading(self) -> str:
        return f"Artikel {self.number}. {self.title}"


@dataclass(frozen=True)
class Template:
    version: str
    published: date
    title: str
    provider_name: str
    provider_kvk: str
    preamble: str
    articles: tuple[Article, ...]
    annex1_heading: str
    groups: tuple[Group, ...]
    annex1_closing: str
    annex2_heading: str
    annex2_intro: str
    annex2_items: tuple[str, ...]
    source: Mapping = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping) -> Template:
        published = data["published"]
        if isinstance(published, str):
            published = date.fromisoformat(published)
        return cls(
            version=data["version"],
            published=published,
            title=data["title"],
            provider_name=data["provider"]["name"],
            provider_kvk=data["provider"]["kvk_number"],
            preamble=data["preamble"]["text"],
            articles=tuple(
                Article(a["number"], a["title"], tuple(
                    Clause(c["number"], c["text"], tuple(c.get("items", ())))
                    for c in a["clauses"]))
                for a in data["articles"]),
            annex1_heading=data["annex1"]["heading"],
            groups=tuple(
                Group(g["key"], g["code"], g["heading"], g["en"], tuple(
                    CatalogItem(i["key"], i["text"], i["en"], frozenset(i.get("flags", ())),
                                tuple(i.get("suggests", ())))
                    for i in g["items"]))
                for g in data["annex1"]["groups"]),
            annex1_closing=data["annex1"]["closing"],
            annex2_heading=data["annex2"]["heading"],
            annex2_intro=data["annex2"]["intro"],
            annex2_items=tuple(data["annex2"]["items"]),
            source=data,
        )

    @classmethod
    def from_json(cls, text: str) -> Template:
        return cls.from_mapping(json.loads(text))

    def to_json(self) -> str:
        """Canonical JSON of the template's source data (what the database stores)."""
        return json.dumps(self.source, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"), default=str)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)

    def items_by_key(self) -> dict[tuple[str, str], CatalogItem]:
        return {(g.key, i.key): i for g in self.groups for i in g.items}

    def suggestions(self, services: tuple[str, ...]) -> dict[str, set[str]]:
        """Item keys suggested by the chosen services: {suggested key: {service keys}}."""
        found: dict[str, set[str]] = {}
        for service in self.group("services").items:
            if service.key in services:
                for key in service.suggests:
                    found.setdefault(key, set()).add(service.key)
        return found

    def words(self) -> list[str]:
        """Every word of the full (untailored) agreement, in reading order."""
        return " ".join(self.lines()).split()

    def lines(self) -> Iterator[str]:
        yield self.title
        yield self.preamble
        yield from _article_lines(self.articles)
        yield self.annex1_heading
        for group in self.groups:
            yield f"{group.code}. {group.heading}"
            yield from (item.text for item in group.items)
        yield self.annex1_closing
        yield self.annex2_heading
        yield self.annex2_intro
        yield from self.annex2_items


def _article_lines(articles) -> Iterator[str]:
    for article in articles:
        yield article.heading
        for clause in article.clauses:
            yield f"{clause.number} {clause.text}"
            yield from clause.items


def load_toml(path: Path) -> Template:
    with path.open("rb") as fh:
        return Template.from_mapping(tomllib.load(fh))


def bundled_templates() -> list[Template]:
    """The published versions shipped with the portal, oldest first."""
    return sorted((load_toml(p) for p in BUNDLED.glob("*.toml")), key=lambda t: t.published)


# --- a customer's choices -----------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """The contact for breach notices (art. 7.3): the DPO or another contact point."""

    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Signatory:
    name: str = ""
    function: str = ""
    authority: str = ""  # "director" (registered with the KvK) or "proxy" (power of attorney)


@dataclass(frozen=True)
class Choices:
    """What a customer filled in for Bijlage 1 and the articles that ask for a choice."""

    selected: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    other: Mapping[str, str] = field(default_factory=dict)
    sensitive_ack: bool = False
    large_scale: bool | None = None
    breach_contact: Contact = Contact()
    signatory: Signatory = Signatory()
    disposition: str = ""

    def keys(self, group: str) -> tuple[str, ...]:
        return tuple(self.selected.get(group, ()))

    def other_text(self, group: str) -> str:
        return (self.other.get(group) or "").strip()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["selected"] = {g: list(self.keys(g)) for g in GROUP_KEYS}
        data["other"] = {g: self.other_text(g) for g in GROUP_KEYS}
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> Choices:
        return cls(
            selected={g: tuple(data.get("selected", {}).get(g, ())) for g in GROUP_KEYS},
            other={g: data.get("other", {}).get(g, "") for g in GROUP_KEYS},
            sensitive_ack=bool(data.get("sensitive_ack")),
            large_scale=data.get("large_scale"),
            breach_contact=Contact(**data.get("breach_contact", {})),
            signatory=Signatory(**data.get("signatory", {})),
            disposition=data.get("disposition", ""),
        )

    def in_source_order(self, template: Template) -> Choices:
        """The same choices with every list in the template's order and unknown keys dropped."""
        selected = {}
        for group in template.groups:
            chosen = set(self.keys(group.key))
            selected[group.key] = tuple(i.key for i in group.items if i.key in chosen)
        return Choices(selected, dict(self.other), self.sensitive_ack, self.large_scale,
                       self.breach_contact, self.signatory, self.disposition)

    def chosen_items(self, template: Template) -> Iterator[tuple[Group, CatalogItem]]:
        for group in template.groups:
            chosen = set(self.keys(group.key))
            for item in group.items:
                if item.key in chosen:
                    yield group, item

    def flags(self, template: Template) -> set[str]:
        """Flags of every chosen item (special, criminal, national_id, other)."""
        return {flag for _g, item in self.chosen_items(template) for flag in item.flags}


# --- the tailored document -----------------------------------------------------------------

@dataclass(frozen=True)
class Party:
    role: str  # as the agreement names it: "Verwerker" or "Verwerkingsverantwoordelijke"
    name: str
    kvk_number: str
    address: str = ""
    customer_number: str = ""


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
        yield f"Versie {self.version} van {dutch_date(self.published)}"
        for party in self.parties:
            yield party.role
            yield f"{party.name}, KvK {party.kvk_number}"
            if party.address:
                yield party.address
            if party.customer_number:
                yield f"Klantnummer {party.customer_number}"
        for detail in self.details:
            yield detail.label
            yield detail.value
        yield self.preamble
        yield from _article_lines(self.articles)
        yield self.annex1_heading
        for annex_list in self.annex1:
            yield f"{annex_list.code}. {annex_list.heading}"
            yield from annex_list.entries
        yield self.annex1_closing
        yield self.annex2_heading
        yield self.annex2_intro
        yield from self.annex2_items

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
    provider = Party("Verwerker", template.provider_name, template.provider_kvk)
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
    signatory = choices.signatory
    if signatory.name:
        details.append(Detail(
            "Ondertekenaar namens Verwerkingsverantwoordelijke",
            ", ".join(p for p in (signatory.name, signatory.function,
                                  AUTHORITY_TEXT.get(signatory.authority, "")) if p)))
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
