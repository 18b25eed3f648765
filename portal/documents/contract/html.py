"""The tailored agreement as an HTML fragment, for the portal's preview."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .document import Document, dutch_date


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent / "html"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(document: Document, *, heading_level: int = 2) -> Markup:
    """The document as escaped, semantic HTML (customer text can never become markup)."""
    template = _environment().get_template("document.html.j2")
    # Safe: the environment autoescapes every value, so customer text cannot become markup.
    return Markup(template.render(doc=document, h=heading_level, dutch_date=dutch_date))  # noqa: S704  # nosec B704
