"""The tailored agreement as an HTML fragment: the whole prepared document for the portal's
preview (the same words as its PDF), or only the agreement's text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import text, wording
from .document import Document, dutch_date
from .frozen import FrozenDocument


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent / "html"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # no bidi control in customer text may turn its neighbours around (text.plain)
        finalize=lambda value: text.plain(value) if isinstance(value, str) else value,
    )


def render(document: Document, *, heading_level: int = 2) -> Markup:
    """The agreement's text as escaped, semantic HTML (customer text never becomes markup)."""
    return _render(document=document, spec=None, heading_level=heading_level)


def render_frozen(frozen: FrozenDocument, *, heading_level: int = 2) -> Markup:
    """The whole prepared document, as its PDF has it before signing, with contents and the
    customer's own choices marked."""
    return _render(document=frozen.document, spec=wording.pdf_spec(frozen),
                   heading_level=heading_level)


WORDS = {name: getattr(wording, name) for name in (
    "SUBPROCESSORS_HEADING", "SUBPROCESSORS_INTRO", "SUBPROCESSORS_NONE", "OBJECTIONS_HEADING",
    "SIGNING_HEADING", "SIGNING_INTRO", "CHECKING_HEADING", "EVIDENCE_HEADING")}


def _render(*, document: Document, spec, heading_level: int) -> Markup:
    template = _environment().get_template("document.html.j2")
    html = template.render(doc=document, spec=spec, words=WORDS, h=heading_level,
                           dutch_date=dutch_date)
    # Safe: the environment autoescapes every value, so customer text cannot become markup.
    return Markup(html)  # noqa: S704  # nosec B704
