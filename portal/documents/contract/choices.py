"""A customer's answers: the Bijlage 1 items it chose, and the choices the articles ask for
(the breach contact of art. 7.3, the disposition at the end of art. 12.3, the signatory)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field

from .template import GROUP_KEYS, CatalogItem, Group, Template


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
    # with several signatories: the address of each one's portal account, which alone may
    # sign in that place (not printed in the agreement)
    email: str = ""


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
    # who signs after ``signatory``, in order (e.g. a director first, then the DPO)
    co_signatories: tuple[Signatory, ...] = ()

    @property
    def signatories(self) -> tuple[Signatory, ...]:
        return (self.signatory, *self.co_signatories)

    def keys(self, group: str) -> tuple[str, ...]:
        return tuple(self.selected.get(group, ()))

    def other_text(self, group: str) -> str:
        return (self.other.get(group) or "").strip()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["selected"] = {g: list(self.keys(g)) for g in GROUP_KEYS}
        data["other"] = {g: self.other_text(g) for g in GROUP_KEYS}
        if not self.co_signatories:
            del data["co_signatories"]  # as choices were stored before there could be several
        for person in (data["signatory"], *data.get("co_signatories", ())):
            if not person["email"]:
                del person["email"]
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
            co_signatories=tuple(Signatory(**s) for s in data.get("co_signatories") or ()),
        )

    def in_source_order(self, template: Template) -> Choices:
        """The same choices with every list in the template's order and unknown keys dropped."""
        selected = {}
        for group in template.groups:
            chosen = set(self.keys(group.key))
            selected[group.key] = tuple(i.key for i in group.items if i.key in chosen)
        return Choices(selected, dict(self.other), self.sensitive_ack, self.large_scale,
                       self.breach_contact, self.signatory, self.disposition,
                       self.co_signatories)

    def chosen_items(self, template: Template) -> Iterator[tuple[Group, CatalogItem]]:
        for group in template.groups:
            chosen = set(self.keys(group.key))
            for item in group.items:
                if item.key in chosen:
                    yield group, item

    def flags(self, template: Template) -> set[str]:
        """Flags of every chosen item (special, criminal, national_id, other)."""
        return {flag for _g, item in self.chosen_items(template) for flag in item.flags}
