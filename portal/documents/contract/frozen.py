"""The prepared agreement as plain, immutable data: everything its PDF shows.

The portal builds a :class:`FrozenDocument` from its records (the tailored text, the parties,
the signatory, the sub-processors in use, the customer's objections); the PDF is rendered from
it alone (``pdf.render_frozen``), the signed PDF with the :class:`Evidence` of signing added.
Everything here is facts; how the PDF says them in Dutch is :mod:`.wording`.

The portal builds it once, when it prepares the document, and stores it (:meth:`to_json`);
signing renders the stored one, so the signed PDF says what the customer reviewed. If the
records have moved on since, :func:`changes` says which parts of the document differ.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime

from .choices import Signatory
from .document import AnnexList, Detail, Document, Party
from .template import Article, Clause


@dataclass(frozen=True)
class SubProcessorEntry:
    """A sub-processor serving the customer's services (art. 5.1), where it processes (art. 3.2)."""

    name: str
    legal_entity: str
    activity: str
    countries: tuple[str, ...]
    outside_eea: bool = False
    transfer_basis: str = ""  # adequacy, scc, bcr or derogation (GDPR chapter V)


@dataclass(frozen=True)
class ObjectionEntry:
    """The customer's objection to an announced sub-processor change (art. 5.1)."""

    subprocessor: str
    effective_on: date
    submitted_on: date
    status: str  # submitted, in_review or resolved
    resolution: str = ""  # once resolved: not_used, withdrawn or terminates_service


@dataclass(frozen=True)
class Checking:
    """How someone holding only the file checks it, years later, without the portal."""

    pki_url: str  # where the root certificates and their fingerprints are published
    roots: tuple[tuple[str, str], ...]  # (name, SHA-256 fingerprint) of the roots to trust
    offline_days: int = 0  # how long a copy's own proof lasts after its last timestamp; 0: unknown
    renew_days: int = 0  # how often the stored copy gets a fresh archive timestamp
    upload_url: str = ""  # the public page that checks an uploaded copy


@dataclass(frozen=True)
class FrozenDocument:
    """One customer's agreement as prepared for signing."""

    document: Document
    document_id: str
    customer_number: str
    verify_url: str
    created: datetime
    signatory: Signatory
    provider: str  # the organization whose seal countersigns
    subprocessors: tuple[SubProcessorEntry, ...] = ()
    objections: tuple[ObjectionEntry, ...] = ()
    choices_json: str = ""  # the choices, machine-readable, attached to the PDF
    checking: Checking | None = None  # None in documents prepared before it was printed
    co_signatories: tuple[Signatory, ...] = ()  # who signs after ``signatory``, in order

    @property
    def signatories(self) -> tuple[Signatory, ...]:
        return (self.signatory, *self.co_signatories)

    @property
    def customer(self) -> str:
        return self.document.parties[-1].name if self.document.parties else ""

    def to_json(self) -> str:
        """Canonical JSON: what the portal stores when it prepares the document."""
        return json.dumps(asdict(self), default=_iso, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FrozenDocument:
        data = json.loads(text)
        return cls(
            document=_document(data["document"]),
            document_id=data["document_id"],
            customer_number=data["customer_number"],
            verify_url=data["verify_url"],
            created=datetime.fromisoformat(data["created"]),
            signatory=Signatory(**data["signatory"]),
            provider=data["provider"],
            subprocessors=tuple(
                SubProcessorEntry(**{**entry, "countries": tuple(entry["countries"])})
                for entry in data["subprocessors"]),
            objections=tuple(
                ObjectionEntry(**{**entry,
                                  "effective_on": date.fromisoformat(entry["effective_on"]),
                                  "submitted_on": date.fromisoformat(entry["submitted_on"])})
                for entry in data["objections"]),
            choices_json=data["choices_json"],
            checking=Checking(data["checking"]["pki_url"],
                              tuple(tuple(root) for root in data["checking"]["roots"]),
                              data["checking"]["offline_days"], data["checking"]["renew_days"],
                              data["checking"].get("upload_url", ""))
            if data.get("checking") else None,
            co_signatories=tuple(Signatory(**s) for s in data.get("co_signatories") or ()),
        )


# What a customer would call each part of the document, for telling them what changed.
PARTS = ("agreement", "choices", "parties", "signatory", "subprocessors", "objections")


def changes(reviewed: FrozenDocument, current: FrozenDocument) -> tuple[str, ...]:
    """The parts (of :data:`PARTS`) in which ``current`` says something ``reviewed`` did not.

    The document's number, link and date are not content: two preparations of the same
    records differ only there.
    """
    return tuple(part for part in PARTS if _part(reviewed, part) != _part(current, part))


def _part(frozen: FrozenDocument, part: str):
    doc = frozen.document
    match part:
        case "agreement":
            return (doc.title, doc.version, doc.published, doc.preamble, doc.articles,
                    doc.annex1_heading, doc.annex1_closing, doc.annex2_heading,
                    doc.annex2_intro, doc.annex2_items)
        case "choices":
            return doc.annex1, doc.details, frozen.choices_json
        case "parties":
            return doc.parties, frozen.customer_number, frozen.provider
        case "signatory":
            return frozen.signatories
        case "subprocessors":
            return frozen.subprocessors
        case "objections":
            return frozen.objections
    raise ValueError(part)


def _document(data: dict) -> Document:
    return Document(
        title=data["title"], version=data["version"],
        published=date.fromisoformat(data["published"]),
        parties=tuple(Party(**party) for party in data["parties"]),
        details=tuple(Detail(**detail) for detail in data["details"]),
        preamble=data["preamble"],
        articles=tuple(
            Article(article["number"], article["title"], tuple(
                Clause(clause["number"], clause["text"], tuple(clause["items"]))
                for clause in article["clauses"]))
            for article in data["articles"]),
        annex1_heading=data["annex1_heading"],
        annex1=tuple(AnnexList(entry["code"], entry["heading"], tuple(entry["entries"]))
                     for entry in data["annex1"]),
        annex1_closing=data["annex1_closing"],
        annex2_heading=data["annex2_heading"],
        annex2_intro=data["annex2_intro"],
        annex2_items=tuple(data["annex2_items"]),
    )


def _iso(value: date | datetime) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class Evidence:
    """What the portal recorded when the customer signed (the evidence page)."""

    signed_at: datetime
    revision: int  # of the customer's choices
    name: str
    function: str
    authority_confirmed: bool
    email: str
    unsigned_sha256: str
    certificate_issuer: str
    certificate_serial: int
    used_totp: bool | None = None  # None: no sign-in session is known (CLI, tests)
    authenticated_at: datetime | None = None
    ip: str | None = None
    user_agent: str | None = None
