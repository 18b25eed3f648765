"""The PDF's pages after the agreement's text as data, ready to typeset: signature blocks, the
sub-processor page, the evidence page, attachments. Their words come from :mod:`.wording`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class SignatureBlock:
    """One party's place on the signature page."""

    role: str
    organization: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    description: str
    mime: str = "application/json"


@dataclass(frozen=True)
class SubProcessorLine:
    """One sub-processor as the signed agreement records it (art. 5.1)."""

    name: str
    activity: str
    countries: str
    note: str = ""  # e.g. the transfer basis outside the EU/EEA


@dataclass(frozen=True)
class PdfSpec:
    """Everything the PDF holds beyond the agreement text itself."""

    document_id: str
    verify_url: str
    created: datetime
    signatures: tuple[SignatureBlock, ...]
    footer: str = ""
    draft_note: str = ""
    checking: tuple[str, ...] = ()  # how to check the file, under the signature blocks
    evidence: tuple[tuple[str, str], ...] = ()
    # Said on the evidence page until it is filled in (the page is there from the start, so
    # signing changes no page's number).
    evidence_pending: str = ""
    attachments: tuple[Attachment, ...] = field(default=())
    subprocessors: tuple[SubProcessorLine, ...] | None = None  # None: leave the page out
    objections: tuple[str, ...] = ()
