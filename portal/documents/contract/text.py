"""Customer text as the documents print it: never reordering what stands next to it, never
wider than the page (which characters the fonts can show: :mod:`.fonts`)."""

from __future__ import annotations

import re

# Explicit embeddings, overrides and isolates (Unicode UAX #9): one of these in a name could
# turn the e-mail address and phone number after it around. Plain right-to-left text (Arabic,
# Hebrew) needs none of them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LONG = re.compile(r"\S{41,}")
ZERO_WIDTH_SPACE = "\u200b"


def plain(text: str) -> str:
    """``text`` without bidirectional controls."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def breakable(text: str, every: int = 25) -> str:
    """``text`` with a break opportunity every ``every`` characters of any word longer than 40
    (a zero-width space): a long job title or URL wraps instead of running off the page."""
    def split(match: re.Match) -> str:
        word = match.group(0)
        return ZERO_WIDTH_SPACE.join(word[i:i + every] for i in range(0, len(word), every))
    return _LONG.sub(split, text)
