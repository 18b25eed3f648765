"""The prepared agreement as plain, immutable data: everything its PDF shows.

The portal builds a :class:`FrozenDocument` from its records (the tailored text, the parties,
the signatory, the sub-processors in use, the customer's objections); the PDF is rendered from
it alone (``pdf.render_frozen``), the signed PDF with the :class:`Evidence` of signing added.
Everything here is facts; how the PDF says them in Dutch is :mod:`.wording`.

Today the portal builds it twice, when preparing and again when signing (so a change in
between shows in the signed PDF); storing the one built when preparing is the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .choices import Signatory
from .document import Document


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

    @property
    def customer(self) -> str:
        return self.document.parties[-1].name if self.document.parties else ""


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
