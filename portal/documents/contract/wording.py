"""How the PDF words what a frozen document holds: signature blocks, the sub-processor page,
objections and the evidence page, in the agreement's language (Dutch) and its terms
("Verwerker", "Verwerkingsverantwoordelijke")."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from . import fonts
from .document import AUTHORITY_TEXT, CUSTOMER, PROVIDER, dutch_date
from .frozen import Evidence, FrozenDocument, ObjectionEntry, SubProcessorEntry
from .spec import Attachment, PdfSpec, SignatureBlock, SubProcessorLine

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

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
CHECKING_HEADING = "Dit document controleren"
EVIDENCE_HEADING = "Bewijsstuk van ondertekening"
EVIDENCE_PENDING = ("Deze pagina vult het klantportaal van Verwerker in op het moment van "
                    "ondertekening: wie ondertekende en in welke functie, wanneer, hoe de "
                    "ondertekenaar inlogde en vanaf welk IP-adres, de SHA-256 van dit document "
                    "zoals het ter inzage lag, en het certificaat waarmee is ondertekend. Voor "
                    "het overige blijft het document zoals het hier staat.")
LATER_DATE = "zie het tijdstempel van de handtekening"
EVIDENCE_INTRO = ("Vastgelegd door het klantportaal van Verwerker op het moment van "
                  "ondertekening. De digitale handtekeningen in dit bestand dekken ook deze "
                  "pagina.")

# Keyed by the portal's values for transfer bases, objection statuses and resolutions;
# tests/test_translations.py checks that every value the portal knows has its words here.
BASIS_TEXT = {"adequacy": "adequaatheidsbesluit", "scc": "modelcontractbepalingen",
              "bcr": "bindende bedrijfsvoorschriften", "derogation": "uitzondering (AVG art. 49)"}
STATUS_TEXT = {"submitted": "ingediend", "in_review": "in behandeling", "resolved": "afgehandeld"}
RESOLUTION_TEXT = {"not_used": "subverwerker wordt niet voor Verwerkingsverantwoordelijke "
                               "gebruikt", "withdrawn": "ingetrokken",
                   "terminates_service": "Verwerkingsverantwoordelijke beëindigt de dienst"}


def pdf_spec(frozen: FrozenDocument, evidence: Evidence | None = None) -> PdfSpec:
    """Everything the PDF holds beyond the agreement's text, in words."""
    when = (dutch_date(evidence.signed_at.astimezone(AMSTERDAM).date()) if evidence
            else "bij ondertekening")
    several = len(frozen.signatories) > 1
    blocks = []
    for n, person in enumerate(frozen.signatories, 1):
        first = n == 1 and evidence is not None
        blocks.append(SignatureBlock(
            f"{CUSTOMER}, ondertekenaar {n}" if several else CUSTOMER, frozen.customer, (
                ("Naam", evidence.name if first else person.name),
                ("Functie", evidence.function if first else person.function),
                ("Bevoegdheid", AUTHORITY_TEXT.get(person.authority, "–")),
                ("Datum", when if n == 1 else LATER_DATE))))
    return PdfSpec(
        document_id=frozen.document_id,
        verify_url=frozen.verify_url,
        created=frozen.created,
        footer=f"Verwerkersovereenkomst {frozen.customer_number} · document {frozen.document_id}",
        signatures=(*blocks, SignatureBlock(PROVIDER, frozen.provider, (
            ("Namens", "Verwerker, met elektronisch zegel"),
            ("Datum", LATER_DATE if several else when)))),
        checking=checking_paragraphs(frozen),
        evidence=(*evidence_rows(frozen, evidence), *later_signatories(frozen))
        if evidence else (),
        evidence_pending="" if evidence else EVIDENCE_PENDING,
        subprocessors=tuple(subprocessor_line(entry) for entry in frozen.subprocessors),
        objections=tuple(objection_line(entry) for entry in frozen.objections),
        attachments=(Attachment(
            "bijlage-1-keuzes.json", frozen.choices_json.encode(),
            "De keuzes van Verwerkingsverantwoordelijke voor Bijlage 1 (machineleesbaar)"),)
        if frozen.choices_json else (),
    )


def checking_paragraphs(frozen: FrozenDocument) -> tuple[str, ...]:
    """How to check the file: online, offline with only the file and the root, for how long."""
    check = frozen.checking
    upload = f" ({check.upload_url})" if check is not None and check.upload_url else ""
    online = (f"Online: open {frozen.verify_url}, of upload het bestand op de controlepagina "
              f"van Verwerker{upload}. Die toont wie ondertekende en wanneer, of het bestand "
              f"ongewijzigd is, en tot wanneer dit exemplaar ook offline te controleren is.")
    if check is None:
        return (online,)
    roots = "; ".join(f"“{name}”, SHA-256-vingerafdruk {grouped(fingerprint)}"
                      for name, fingerprint in check.roots)
    offline = (f"Offline, met alleen dit bestand en het stamcertificaat: de handtekeningen en "
               f"tijdstempels leiden naar "
               f"{'het stamcertificaat' if len(check.roots) == 1 else 'de stamcertificaten'} "
               f"{roots}, gepubliceerd op {check.pki_url}. Vergelijk de vingerafdruk en "
               f"vertrouw het certificaat in uw pdf-lezer (in Adobe Acrobat Reader: Voorkeuren, "
               f"Handtekeningen, Identiteiten en vertrouwde certificaten), of gebruik de offline "
               f"controleset die op dezelfde pagina te downloaden is: de controlemodule van "
               f"het klantportaal zelf, met uitleg.")
    lasting = ("Het bestand bevat zelf de intrekkingsgegevens die daarvoor nodig zijn "
               "(PAdES B-LTA, ETSI EN 319 142).")
    if check.offline_days:
        lasting += (f" Zo is een exemplaar tot {check.offline_days} dagen na zijn laatste "
                    f"tijdstempel offline te controleren.")
    if check.renew_days:
        lasting += (f" Het klantportaal voorziet het bewaarde exemplaar elke "
                    f"{check.renew_days} dagen van een nieuw tijdstempel en meldt het wanneer "
                    f"een vernieuwd exemplaar klaarstaat; online blijft ieder exemplaar te "
                    f"controleren.")
    return online, offline, lasting


def subprocessor_line(entry: SubProcessorEntry) -> SubProcessorLine:
    note = ""
    if entry.outside_eea:
        note = f"buiten de EU/EER; grondslag: {BASIS_TEXT.get(entry.transfer_basis, '–')}"
    return SubProcessorLine(f"{entry.name} ({entry.legal_entity})", entry.activity,
                            ", ".join(entry.countries), note)


def objection_line(entry: ObjectionEntry) -> str:
    text = (f"{entry.subprocessor} (wijziging per {dutch_date(entry.effective_on)}): "
            f"bezwaar van {dutch_date(entry.submitted_on)}, "
            f"{STATUS_TEXT.get(entry.status, entry.status)}")
    if entry.resolution:
        text += f" – {RESOLUTION_TEXT.get(entry.resolution, entry.resolution)}"
    return text


def later_signatories(frozen: FrozenDocument) -> tuple[tuple[str, str], ...]:
    """The evidence page's rows for who signs after the first: known by name now; when they
    sign is in their signature's timestamp, how they signed in is in the portal's log."""
    return tuple(
        (f"Ondertekenaar {n}", f"{person.name}, {person.function}; ondertekent na "
                               f"ondertekenaar {n - 1}, met een eigen eenmalig certificaat. "
                               f"Het tijdstip staat in het tijdstempel van die handtekening; "
                               f"hoe deze ondertekenaar inlogde legt het klantportaal vast.")
        for n, person in enumerate(frozen.co_signatories, 2))


def evidence_rows(frozen: FrozenDocument, evidence: Evidence) -> tuple[tuple[str, str], ...]:
    if evidence.used_totp is None or evidence.authenticated_at is None:
        auth_text = "onbekend"
    else:
        method = ("wachtwoord en tweestapsverificatie (TOTP)" if evidence.used_totp
                  else "wachtwoord")
        auth_text = (f"Inloggen met {method}; identiteit opnieuw bevestigd op "
                     f"{moment(evidence.authenticated_at)}")
    return (
        ("Document", frozen.document_id),
        ("Overeenkomst", f"versie {frozen.document.version}, keuzes revisie "
                         f"{evidence.revision}"),
        ("Ondertekenaar 1" if frozen.co_signatories else "Ondertekenaar",
         f"{evidence.name}, {evidence.function}"),
        ("Bevoegdheid", "bevestigd door de ondertekenaar" if evidence.authority_confirmed
         else "niet bevestigd"),
        ("E-mailadres", evidence.email),
        ("Tijdstip", moment(evidence.signed_at)),
        ("Authenticatie", auth_text),
        ("IP-adres", evidence.ip or "onbekend"),
        ("Browser", fonts.printable_only(evidence.user_agent or "onbekend")[:300]),
        ("SHA-256 van het ongetekende document", grouped(evidence.unsigned_sha256)),
        ("Certificaat ondertekenaar", f"eenmalig, uitgegeven door "
                                      f"{evidence.certificate_issuer}, "
                                      f"serienummer {evidence.certificate_serial:x}; de sleutel "
                                      f"is na deze handtekening vernietigd"),
    )


def moment(value: datetime) -> str:
    """A moment as Dutch law reads it, with UTC beside it: 1 december 2026 15:04:05 ..."""
    local = value.astimezone(AMSTERDAM)
    return (f"{dutch_date(local.date())} {local:%H:%M:%S} Nederlandse tijd "
            f"({value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)")


def grouped(digest: str, size: int = 8) -> str:
    """A hash in groups, so it wraps on paper and is easy to compare by eye."""
    return " ".join(digest[i:i + size] for i in range(0, len(digest), size))
