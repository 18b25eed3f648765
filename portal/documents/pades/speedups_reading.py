"""Reading PDF objects: pyHanko's tokenizer reads names and references one byte at a time.

Part of the engine's speed-ups (:mod:`.speedups` installs these at start-up); each reads the
same syntax, returns the same object, leaves the stream at the same position and raises the
same errors as pyHanko's own (tests/documents/test_speedups.py compares them).
"""

from __future__ import annotations

import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE, PdfReadError

_NAME_TOKEN = re.compile(b"[^" + re.escape(PDF_WHITESPACE + PDF_DELIMITERS) + b"]*")
# what a name can hold without an escape: printable ASCII, no delimiters, no "#"
_PLAIN_NAME = re.compile(b"[" + b"".join(
    re.escape(bytes([c])) for c in range(0x21, 0x7F)
    if c not in PDF_DELIMITERS and c != 0x23) + b"]*")
original_read_name = generic.NameObject.read_from_stream


def read_name_from_stream(stream) -> generic.NameObject:
    """A PDF name, as pyHanko's :meth:`NameObject.read_from_stream` reads it.

    pyHanko reads every name one byte at a time through a generator and decodes it byte by
    byte again: a third of the time it takes to read a PDF's objects (a tagged contract has
    some 3,000 names). This reads the token in bulk, ends it where pyHanko does (at PDF white
    space or a delimiter, which is left unread) and decodes names without ``#`` escapes or
    unusual bytes directly; anything else goes through pyHanko's own decoder, with its errors.
    """
    if stream.read(1) != b"/":
        raise PdfReadError("Name object should start with /")
    start = stream.tell()
    parts = []
    while True:
        chunk = stream.read(128)
        end = _NAME_TOKEN.match(chunk).end()
        parts.append(chunk[:end])
        if end < len(chunk) or not chunk:  # a delimiter, or the end of the stream
            break
    raw = b"".join(parts)
    stream.seek(start + len(raw))
    if _PLAIN_NAME.fullmatch(raw):
        return generic.NameObject("/" + raw.decode("ascii"))
    return generic._decode_name(raw)


# "12 0 R" as pyHanko's reader accepts it: the numbers end at white space in Python's sense
# (bytes.isspace), the "R" follows after PDF white space. A comment in between, a zero object
# number or anything else odd goes through pyHanko's own reader.
_REFERENCE = re.compile(rb"(\d+)[ \t\n\r\x0b\x0c]+(\d+)[ \t\n\r\x0b\x0c][ \t\n\r\x0c\x00]*R")
original_read_reference = generic.IndirectObject.read_from_stream


def read_reference_from_stream(stream, container_ref) -> generic.IndirectObject:
    """An indirect reference, as pyHanko's :meth:`IndirectObject.read_from_stream` reads it
    (byte by byte there), for the common spelling; the stream is left just after the "R"."""
    start = stream.tell()
    match = _REFERENCE.match(stream.read(64))
    if match is None or int(match[1]) == 0:
        stream.seek(start)
        return original_read_reference(stream, container_ref)
    stream.seek(start + match.end())
    return generic.IndirectObject(int(match[1]), int(match[2]),
                                  container_ref.get_pdf_handler())

