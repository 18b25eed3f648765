"""A customer's Bijlage 1 choices as data it can keep: JSON and CSV for its GDPR art. 30
register, and the JSON attached to the signed PDF."""

from __future__ import annotations

import csv
import io
import json

from portal.extensions import db
from portal.models import ChoiceRevision, Organization
from portal.services import audit
from portal.services.context import Actor


def as_dict(org: Organization, rev: ChoiceRevision) -> dict:
    """The customer's excerpt for its GDPR art. 30 register: what, why and about whom."""
    doc = rev.template.document_template
    choices = rev.choices
    return {
        "controller": {"name": org.name, "kvk_number": org.kvk_number,
                       "customer_number": org.customer_number},
        "processor": {"name": doc.provider_name, "kvk_number": doc.provider_kvk},
        "agreement": {"title": doc.title, "version": doc.version,
                      "published": doc.published.isoformat()},
        "revision": {"number": rev.number, "saved_at": rev.created_at.isoformat(),
                     "saved_by": rev.author_label},
        "annex_1": {
            group.key: {
                "code": group.code,
                "items": [{"key": item.key, "text": item.text, "flags": sorted(item.flags)}
                          for item in group.items if item.key in choices.keys(group.key)],
                "other": choices.other_text(group.key),
            }
            for group in doc.groups
        },
        "more_than_100000_data_subjects": choices.large_scale,
        "breach_contact": choices.breach_contact.__dict__,
        "disposition_at_termination": choices.disposition,
        "signatory": choices.signatory.__dict__,
        "co_signatories": [s.__dict__ for s in choices.co_signatories],
    }


def record(org: Organization, rev: ChoiceRevision, fmt: str, actor: Actor) -> None:
    audit.record("agreement.choices_exported", actor=actor, organization=org, obj=rev,
                 details={"revision": rev.number, "format": fmt})
    db.session.commit()


def as_csv(org: Organization, rev: ChoiceRevision) -> str:
    """One row per chosen item: group, code, key, text, flags (for spreadsheets)."""
    data = as_dict(org, rev)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["group", "code", "key", "text", "flags"])
    for group_key, group in data["annex_1"].items():
        for item in group["items"]:
            writer.writerow([group_key, group["code"], item["key"],
                             audit.safe_cell(item["text"]), " ".join(item["flags"])])
        if group["other"]:
            writer.writerow([group_key, group["code"], "other_text",
                             audit.safe_cell(group["other"]), ""])
    return buffer.getvalue()


def as_json(org: Organization, rev: ChoiceRevision) -> str:
    return json.dumps(as_dict(org, rev), ensure_ascii=False, indent=2)
