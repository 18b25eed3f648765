"""The tailored agreement as a PDF/A-3b file, typeset with typst.

Customer text never enters typst markup: the template reads every string from a JSON input,
so a name like ``#pdf.attach(..)`` or ``*bold*`` is printed as written. Fonts come from the
typst package itself (Libertinus Serif), never from the host, so every machine renders the
same bytes for the same input.
"""

from __future__ import annotations

import io
import json
import threading
from functools import cache, lru_cache
from importlib.resources import files

import segno
import typst

from . import fonts, text, wording
from .document import Document
from .frozen import Evidence, FrozenDocument
from .spec import Attachment, PdfSpec, SignatureBlock, SubProcessorLine
from .wording import (
    CHECKING_HEADING,
    EVIDENCE_HEADING,
    EVIDENCE_INTRO,
    OBJECTIONS_HEADING,
    SIGNING_HEADING,
    SIGNING_INTRO,
    SUBPROCESSORS_HEADING,
    SUBPROCESSORS_INTRO,
    SUBPROCESSORS_NONE,
)

__all__ = ["Attachment", "PdfSpec", "RenderError", "SignatureBlock", "SubProcessorLine",
           "render", "render_frozen", "text_lines"]

PDF_STANDARD = "a-3b"  # PDF/A-3 allows the choices as an embedded (associated) JSON file


class RenderError(RuntimeError):
    """typst refused the document (a bug in the template, never in customer input)."""


def render(document: Document, spec: PdfSpec) -> bytes:
    """The agreement as PDF/A-3b bytes: text, signature page, evidence, QR code, attachments."""
    inputs = {"data": json.dumps(_printed(_data(document, spec)), ensure_ascii=False),
              "qr": _qr_svg(spec.verify_url)}
    for index, attachment in enumerate(spec.attachments):
        # sys.inputs holds strings only; the JSON attachments are UTF-8 text.
        inputs[f"file{index}"] = attachment.data.decode("utf-8")
    try:
        with _compiling:
            return _compiler().compile(_template(), sys_inputs=inputs,
                                       pdf_standards=[PDF_STANDARD],
                                       timestamp=int(spec.created.timestamp()))
    except typst.TypstError as error:  # a template bug, or a character no font has
        raise RenderError(str(error)) from error


# One compiler per process keeps the fonts loaded between documents (reading the CJK font
# again cost about 7 ms a render; the bytes are the same). typst's compiler is not made for two
# threads at once.
_compiling = threading.Lock()


@cache
def _compiler() -> typst.Compiler:
    loaded = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                         font_paths=list(fonts.font_paths()))
    return typst.Compiler(font_paths=loaded, ignore_system_fonts=True)


def render_frozen(frozen: FrozenDocument, evidence: Evidence | None = None) -> bytes:
    """A prepared agreement's PDF: unsigned for review, or with the evidence for signing."""
    return render(frozen.document, wording.pdf_spec(frozen, evidence))


def text_lines(document: Document, spec: PdfSpec) -> list[str]:
    """What the pages after the agreement say (signature page, evidence), in order."""
    lines = []
    if spec.subprocessors is not None:
        lines += [SUBPROCESSORS_HEADING, SUBPROCESSORS_INTRO]
        if not spec.subprocessors:
            lines.append(SUBPROCESSORS_NONE)
        for line in spec.subprocessors:
            lines += [line.name, line.activity, line.countries]
            if line.note:
                lines.append(line.note)
        if spec.objections:
            lines.append(OBJECTIONS_HEADING)
            lines += list(spec.objections)
    lines += [SIGNING_HEADING, SIGNING_INTRO]
    for block in spec.signatures:
        lines += [block.role, block.organization]
        for label, value in block.rows:
            lines += [label, value]
    if spec.checking:
        lines += [CHECKING_HEADING, *spec.checking]
    if spec.evidence:
        lines += [EVIDENCE_HEADING, EVIDENCE_INTRO]
        for label, value in spec.evidence:
            lines += [label, value]
    elif spec.evidence_pending:
        lines += [EVIDENCE_HEADING, spec.evidence_pending]
    return lines


@cache
def _template() -> bytes:
    return files(__package__).joinpath("typst/agreement.typ").read_bytes()





# The agreement's own words (and the link under the QR code) are printed as they are; every
# other text may come from a customer or staff and may need breaking.
AS_WRITTEN = frozenset({"title", "version_line", "preamble", "articles", "annex2", "heading",
                        "closing", "intro", "none", "verify_url", "paragraphs"})


def _printed(value, breaking: bool = True):
    """Every text as the page prints it: no bidi controls; very long words breakable."""
    if isinstance(value, str):
        return text.breakable(text.plain(value)) if breaking else text.plain(value)
    if isinstance(value, dict):
        return {k: _printed(v, breaking and k not in AS_WRITTEN) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printed(v, breaking) for v in value]
    return value


@lru_cache(maxsize=64)  # the review step drew the same link's code a moment before signing
def _qr_svg(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, svgns=True, border=0)
    return out.getvalue().decode()


def _data(doc: Document, spec: PdfSpec) -> dict:
    header = [(party.role, "\n".join(party.lines())) for party in doc.parties]
    header += [(detail.label, detail.value) for detail in doc.details]
    customer = doc.parties[-1].name if doc.parties else ""
    return {
        "title": doc.title,
        "provider": doc.parties[0].name if doc.parties else "",
        "customer": customer,
        "document_id": spec.document_id,
        "date": [spec.created.year, spec.created.month, spec.created.day],
        "version_line": doc.version_line,
        "footer": spec.footer or f"Document {spec.document_id}",
        "verify_url": spec.verify_url,
        "qr_alt": f"QR-code naar {spec.verify_url}",
        "draft_note": spec.draft_note,
        "header": header,
        "preamble": doc.preamble,
        "articles": [{"heading": a.heading,
                      "clauses": [{"number": c.number, "text": c.text, "items": list(c.items)}
                                  for c in a.clauses]} for a in doc.articles],
        "annex1": {"heading": doc.annex1_heading, "closing": doc.annex1_closing,
                   "lists": [{"heading": f"{lst.code}. {lst.heading}",
                              "entries": list(lst.entries)} for lst in doc.annex1]},
        "annex2": {"heading": doc.annex2_heading, "intro": doc.annex2_intro,
                   "items": list(doc.annex2_items)},
        "subprocessors": None if spec.subprocessors is None else {
            "heading": SUBPROCESSORS_HEADING, "intro": SUBPROCESSORS_INTRO,
            "none": SUBPROCESSORS_NONE, "objections_heading": OBJECTIONS_HEADING,
            "rows": [{"name": x.name, "activity": x.activity, "countries": x.countries,
                      "note": x.note} for x in spec.subprocessors],
            "objections": list(spec.objections)},
        "signing": {"heading": SIGNING_HEADING, "intro": SIGNING_INTRO,
                    "blocks": [{"role": b.role, "organization": b.organization,
                                "rows": [list(r) for r in b.rows]} for b in spec.signatures]},
        "checking": {"heading": CHECKING_HEADING, "paragraphs": list(spec.checking)},
        "evidence": {"heading": EVIDENCE_HEADING, "intro": EVIDENCE_INTRO,
                     "rows": [list(r) for r in spec.evidence],
                     "pending": spec.evidence_pending},
        "attachments": [{"name": a.name, "mime": a.mime, "description": a.description,
                         "input": f"file{i}"} for i, a in enumerate(spec.attachments)],
    }
