from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Response, current_app, render_template, url_for

from portal.documents.contract import dutch_date
from portal.services import subprocessors
from portal.subprocessors import bp
from portal.web import subprocessor_export

KIND_TITLES = {"add": "Nieuwe subverwerker", "remove": "Subverwerker vervalt",
               "replace": "Subverwerker vervangen", "countries": "Andere landen"}


@bp.get("/subprocessors")
def register():
    items = subprocessors.register()
    return render_template("subprocessors/register.html", items=items,
                           services=subprocessors.service_items(),
                           upcoming=subprocessors.open_announcements(),
                           countries=subprocessors.countries(items))


@bp.get("/subprocessors.<fmt>")
def export(fmt: str):
    return subprocessor_export(subprocessors.register(), fmt, "subverwerkers-voxio")


@bp.get("/subprocessors/feed.atom")
def feed():
    items = subprocessors.announcements()
    base = current_app.config["PUBLIC_URL"]
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "nl"})
    _sub(root, ns, "id", f"{base}{url_for('subprocessors.feed')}")
    _sub(root, ns, "title", "Voxio: wijzigingen in subverwerkers")
    _sub(root, ns, "updated", _iso(subprocessors.feed_updated(items)))
    ET.SubElement(root, f"{{{ns}}}link", rel="self", href=f"{base}{url_for('subprocessors.feed')}")
    ET.SubElement(root, f"{{{ns}}}link", rel="alternate",
                  href=f"{base}{url_for('subprocessors.register')}")
    author = ET.SubElement(root, f"{{{ns}}}author")
    _sub(author, ns, "name", current_app.config["PKI_ORGANIZATION"])
    for ann in items:
        entry = ET.SubElement(root, f"{{{ns}}}entry")
        _sub(entry, ns, "id", f"{base}/subprocessors/announcements/{ann.id}")
        name = ann.subprocessor.name
        if ann.kind == "replace":
            name = f"{name} → {ann.replacement.name}"
        title = f"{KIND_TITLES[ann.kind]}: {name} (per {dutch_date(ann.effective_on)})"
        if ann.withdrawn_at:
            title = f"Ingetrokken – {title}"
        _sub(entry, ns, "title", title)
        _sub(entry, ns, "updated", _iso(ann.withdrawn_at or ann.applied_at or ann.announced_at))
        _sub(entry, ns, "published", _iso(ann.announced_at))
        ET.SubElement(entry, f"{{{ns}}}category", term=ann.kind, label=KIND_TITLES[ann.kind])
        ET.SubElement(entry, f"{{{ns}}}link", rel="alternate",
                      href=f"{base}{url_for('subprocessors.register')}#wijziging-{ann.id}")
        summary = [f"Ingangsdatum: {dutch_date(ann.effective_on)}.", f"Reden: {ann.reason}"]
        if ann.withdrawn_at:
            summary.append(f"Ingetrokken: {ann.withdrawal_reason}")
        if ann.kind == "countries":
            summary.insert(0, "Nieuwe landen: " + ", ".join(ann.new_countries) + ".")
        _sub(entry, ns, "summary", " ".join(summary))
    body = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


def _sub(parent, ns: str, tag: str, value: str):
    element = ET.SubElement(parent, f"{{{ns}}}{tag}")
    element.text = value
    return element


def _iso(moment) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
