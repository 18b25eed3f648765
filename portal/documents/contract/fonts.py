"""The fonts the PDF prints with, and which characters they can show.

typst falls back from font to font for each character; one that no font has makes a PDF/A
export fail. So the portal asks :func:`unprintable` before it accepts a text, and says which
characters to write another way.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from functools import cache
from importlib.resources import files
from pathlib import Path

from fontTools.ttLib import TTFont

from .text import BIDI_CONTROLS, ZERO_WIDTH_SPACE

# Font-only distributions (no code is imported from them): the fonts their folders hold.
EXTRA_FONT_PACKAGES = ("cvttf_NotoSansCJK_Regular", "fontpkg_noto_sans_thai")


@cache
def font_paths() -> tuple[str, ...]:
    """The fonts the PDF may use: the engine's own (DejaVu Sans: Latin, Greek, Cyrillic,
    Arabic, Hebrew) and, where installed, Noto Sans CJK and Noto Sans Thai (from PyPI, see
    requirements.txt), so a name in any of those scripts prints."""
    paths = [str(files(__package__).joinpath("fonts"))]
    for package in EXTRA_FONT_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            paths.extend(spec.submodule_search_locations)
    return tuple(paths)


def unprintable(text: str) -> str:
    """The characters of ``text`` that no font of the PDF can show, each once, in order."""
    printable = _printable()
    found = []
    for ch in text:
        if ord(ch) in printable or ch in found or unicodedata.category(ch) in ("Cc", "Zs"):
            continue
        if ch in BIDI_CONTROLS or ch == ZERO_WIDTH_SPACE:
            continue
        found.append(ch)
    return "".join(found)


def printable_only(text: str, replacement: str = "?") -> str:
    """``text`` with each character no font can show replaced: for text that nobody typed for
    the document and nobody can correct, such as the name a browser gives itself."""
    missing = set(unprintable(text))
    return "".join(replacement if ch in missing else ch for ch in text)


@cache
def _printable() -> frozenset[int]:
    codes: set[int] = set()
    for folder in font_paths():
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix.lower() in (".ttf", ".otf"):
                codes |= set(TTFont(path, lazy=True).getBestCmap())
    return frozenset(codes)
