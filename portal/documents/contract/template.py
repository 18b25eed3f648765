"""The agreement's text as versioned data: articles with numbered clauses, the Bijlage 1
catalogues (1.A services, 1.B purposes, 1.C personal data, 1.D data subjects) and Bijlage 2.

A :class:`Template` holds one published version of the verwerkersovereenkomst word for word;
the bundled versions live in ``agreements/*.toml``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent / "agreements"

GROUP_KEYS = ("services", "purposes", "data_categories", "data_subjects")
SPECIAL, CRIMINAL, NATIONAL_ID, OTHER = "special", "criminal", "national_id", "other"
DISPOSITIONS = ("return", "delete", "return_then_delete")


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
        yield from article_lines(self.articles)
        yield self.annex1_heading
        for group in self.groups:
            yield f"{group.code}. {group.heading}"
            yield from (item.text for item in group.items)
        yield self.annex1_closing
        yield self.annex2_heading
        yield self.annex2_intro
        yield from self.annex2_items


def load_toml(path: Path) -> Template:
    with path.open("rb") as fh:
        return Template.from_mapping(tomllib.load(fh))


def bundled_templates() -> list[Template]:
    """The published versions shipped with the portal, oldest first."""
    return sorted((load_toml(p) for p in BUNDLED.glob("*.toml")), key=lambda t: t.published)


def article_lines(articles) -> Iterator[str]:
    """Articles as lines of text: heading, then each clause with its items."""
    for article in articles:
        yield article.heading
        for clause in article.clauses:
            yield f"{clause.number} {clause.text}"
            yield from clause.items
