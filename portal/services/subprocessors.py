"""The sub-processor register (art. 5.1) and countries of processing (art. 3.2).

Customers see the sub-processors that serve the services they chose (Annex 1.A). Changes to
the register are announced ahead of time (:mod:`portal.services.announcements`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from babel import Locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    EEA,
    Announcement,
    ChangeKind,
    Objection,
    Organization,
    OrganizationService,
    Resolution,
    SubProcessor,
    SubProcessorStatus,
    TransferBasis,
)
from portal.services import ServiceErrors, agreements, audit, printable
from portal.services.context import Actor

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _known_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from CLDR via Babel), without pseudo-regions."""
    return frozenset(code for code in Locale("en").territories
                     if len(code) == 2 and code.isalpha()
                     and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


@dataclass(frozen=True)
class SubProcessorData:
    name: str
    legal_entity: str
    activity: str
    services: tuple[str, ...]
    countries: tuple[str, ...]
    transfer_basis: str = ""
    activity_en: str = ""  # optional: shown to English readers instead of the Dutch


def parse_countries(text: str) -> tuple[str, ...]:
    """'nl, de  US' -> ('NL', 'DE', 'US'), in the order given, without duplicates."""
    seen = []
    for part in re.split(r"[\s,;]+", text.upper()):
        if part and part not in seen:
            seen.append(part)
    return tuple(seen)


# --- reading ----------------------------------------------------------------------------

def register() -> list[SubProcessor]:
    """Everything in use or announced, by name (the public list)."""
    return list(db.session.scalars(
        select(SubProcessor).where(SubProcessor.status != SubProcessorStatus.ENDED)
        .order_by(SubProcessor.name, SubProcessor.id)))


def chosen_services(org: Organization) -> set[str]:
    return set(db.session.scalars(select(OrganizationService.service)
                                  .where(OrganizationService.organization_id == org.id)))


def for_organization(org: Organization) -> list[SubProcessor]:
    """The sub-processors that serve a service the organization chose, minus those an
    objection settled as "not used for this customer"."""
    services = chosen_services(org)
    settled = db.session.scalars(select(Announcement).join(
        Objection, Objection.announcement_id == Announcement.id).where(
        Objection.organization_id == org.id, Objection.resolution == Resolution.NOT_USED)).all()
    excluded = {(a.replacement_id if a.kind == ChangeKind.REPLACE else a.subprocessor_id)
                for a in settled}
    return [sp for sp in register() if services & set(sp.services) and sp.id not in excluded]


def countries(subprocessors: list[SubProcessor]) -> list[tuple[str, bool]]:
    """Countries of processing, EEA first then alphabetical, as (code, inside_eea)."""
    codes = {code for sp in subprocessors if sp.status == SubProcessorStatus.ACTIVE
             for code in sp.countries}
    codes.add("NL")  # Voxio itself processes in the Netherlands
    return sorted(((c, c in EEA) for c in codes), key=lambda item: (not item[1], item[0]))


def service_names() -> dict[str, str]:
    return {key: item.text for key, item in service_items().items()}


def service_items() -> dict:
    """Annex 1.A's services by key: the contract's (Dutch) text and an English gloss."""
    template = agreements.current_template().document_template
    return {item.key: item for item in template.group("services").items}


def outside_eea(codes) -> bool:
    """True when any of these countries lies outside the EU/EEA (GDPR chapter V applies)."""
    return any(code not in EEA for code in codes)



# --- recording -------------------------------------------------------------------------

def create_active(data: SubProcessorData, since: date, actor: Actor) -> SubProcessor:
    """Record a sub-processor already in use (initial register, demo data)."""
    problems = check_data(data)
    if problems:
        raise ServiceErrors(problems)
    sp = SubProcessor(name=data.name, legal_entity=data.legal_entity, activity=data.activity,
                      activity_en=data.activity_en.strip(),
                      services_json=json.dumps(list(data.services)),
                      countries_json=json.dumps(list(data.countries)),
                      transfer_basis=data.transfer_basis if outside_eea(data.countries) else "",
                      status=SubProcessorStatus.ACTIVE, active_since=since)
    db.session.add(sp)
    db.session.flush()
    audit.record("subprocessor.recorded", actor=actor, obj=sp, details={"name": sp.name})
    db.session.commit()
    return sp



def check_data(data: SubProcessorData | None) -> list[tuple[str, str]]:
    if data is None:
        return [("name", _("Describe the new sub-processor."))]
    problems = []
    for field, value, limit in (("name", data.name, 200), ("legal_entity", data.legal_entity, 300),
                                ("activity", data.activity, 500)):
        if not value.strip():
            problems.append((field, _("This is required.")))
        elif len(value) > limit:
            problems.append((field, _("Use at most %(n)d characters.", n=limit)))
        elif (message := printable.problem(value)) is not None:  # it is printed in the PDF
            problems.append((field, message))
    if len(data.activity_en) > 500:  # optional, otherwise as the Dutch
        problems.append(("activity_en", _("Use at most %(n)d characters.", n=500)))
    elif (message := printable.problem(data.activity_en)) is not None:
        problems.append(("activity_en", message))
    if data.name.strip() and data.name.strip().lower() in {
            sp.name.lower() for sp in register()}:
        problems.append(("name", _("A sub-processor with this name is already in the register.")))
    known = set(service_names())
    if not data.services:
        problems.append(("services", _("Choose the services it serves.")))
    elif set(data.services) - known:
        problems.append(("services", _("Unknown service.")))
    problems += check_countries("countries", data.countries, data.transfer_basis)
    return problems


def check_countries(field: str, codes: tuple[str, ...], basis: str) -> list[tuple[str, str]]:
    if not codes:
        return [(field, _("Enter at least one country code, like NL or DE."))]
    known = _known_countries()
    wrong = [c for c in codes if not _COUNTRY.match(c) or c not in known]
    if wrong:
        return [(field, ngettext("Use two-letter country codes (ISO 3166), like NL, DE or US: "
                                 "%(wrong)s is not one.",
                                 "Use two-letter country codes (ISO 3166), like NL, DE or US: "
                                 "%(wrong)s are not.", len(wrong), wrong=", ".join(wrong)))]
    if outside_eea(codes) and basis not in set(TransferBasis):
        return [("transfer_basis", _("Outside the EU/EEA a transfer basis is required."))]
    return []
