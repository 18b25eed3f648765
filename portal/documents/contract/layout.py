"""The PDF's pages after the agreement's text, ready to typeset: signature blocks, the
sub-processor page, the evidence page, attachments, and their fixed headings (Dutch)."""

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
    evidence: tuple[tuple[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())
    subprocessors: tuple[SubProcessorLine, ...] | None = None  # None: leave the page out
    objections: tuple[str, ...] = ()


SUBPROCESSORS_HEADING = "Subverwerkers bij ondertekening"
SUBPROCESSORS_INTRO = ("De derden die Verwerker op de datum van dit document inschakelt voor de "
                       "diensten die Verwerkingsverantwoordelijke in Bijlage 1 koos (artikel "
                       "5.1), met de landen waar zij persoonsgegevens verwerken (artikel 3).")
SUBPROCESSORS_NONE = "Geen subverwerkers voor de gekozen diensten."
OBJECTIONS_HEADING = "Bezwaren van Verwerkingsverantwoordelijke"
SIGNING_HEADING = "Ondertekening"
SIGNING_INTRO = ("Partijen ondertekenen deze overeenkomst elektronisch. Iedere handtekening is "
                 "een digitale handtekening in dit pdf-bestand; controleer haar met een "
                 "pdf-lezer of op de controlepagina van het document.")
EVIDENCE_HEADING = "Bewijsstuk van ondertekening"
EVIDENCE_INTRO = ("Vastgelegd door het klantportaal van Verwerker op het moment van "
                  "ondertekening. De digitale handtekeningen in dit bestand dekken ook deze "
                  "pagina.")
