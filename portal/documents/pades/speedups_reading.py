"""Reading PDF objects: pyHanko's tokenizer reads names and references one byte at a time.

Part of the engine's speed-ups (:mod:`.speedups` installs these at start-up); each reads the
same syntax, returns the same object, leaves the stream at the same position and raises the
same errors as pyHanko's own (tests/documents/test_speedups.py compares them).
"""

from __future__ import annotations

import os
import re

from pyhanko.pdf_utils import generic, misc, xref
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



# A cross-reference subsection as PDF 32000-1 §7.5.4 writes it: 20-byte lines, a 10-digit
# offset, a 5-digit generation, "n" or "f", and a two-byte end of line.
_XREF_LINES = re.compile(rb"(?:\d{10} \d{5} [fn](?: \r| \n|\r\n))*")
original_parse_xref_table = xref.parse_xref_table
original_process_entries = xref.XRefSectionData.process_entries


class XrefTable:
    """A cross-reference table's entries, as pyHanko's :func:`xref.parse_xref_table` yields
    them (it reads each 20-byte line with a read, two seeks, a split and an entry object of
    its own; some 400 lines per reading of an agreement, and a ceremony reads it four times).

    A table whose every subsection holds exactly the lines the standard prescribes is read a
    subsection at a time: the same entries (the first of a subsection numbered with the
    header's own number object, as there), the stream left after "trailer" and the white
    space that follows; :func:`process_entries` takes its rows without entry objects. Anything
    else (lines padded or cut short, odd numbers, generations above 65535, no "trailer") goes
    through pyHanko's own reader from the table's start, with its tolerance and errors. Like
    pyHanko's generator, it reads nothing before it is iterated.
    """

    __slots__ = ("_entries", "_rows", "_stream", "_strict")

    def __init__(self, stream, strict: bool):
        self._stream, self._strict, self._rows, self._entries = stream, strict, False, None

    def rows(self) -> list | None:
        """(object number, generation, offset or None when free) per line; None when the
        table is not regular (the stream is then back at its start)."""
        if self._rows is False:
            start = self._stream.tell()
            try:
                self._rows = _regular_rows(self._stream)
            except Exception:  # pyHanko's own reader raises its own error, or copes
                self._rows = None
            if self._rows is None:
                self._stream.seek(start)
        return self._rows

    def __iter__(self):
        return self

    def __next__(self) -> xref.XRefEntry:
        if self._entries is None:
            rows = self.rows()
            self._entries = original_parse_xref_table(self._stream, self._strict) \
                if rows is None else _entries(rows)
        return next(self._entries)


def _entries(rows):
    for idnum, generation, offset in rows:
        yield xref.XRefEntry(xref_type=xref.XRefType.FREE if offset is None
                             else xref.XRefType.STANDARD, location=offset, idnum=idnum,
                             generation=generation)


def _regular_rows(stream) -> list | None:
    rows = []
    misc.read_non_whitespace(stream)
    stream.seek(-1, os.SEEK_CUR)
    while True:
        num = generic.NumberObject.read_from_stream(stream)
        misc.read_non_whitespace(stream)
        stream.seek(-1, os.SEEK_CUR)
        size = generic.NumberObject.read_from_stream(stream)
        misc.read_non_whitespace(stream)
        stream.seek(-1, os.SEEK_CUR)
        if type(num) is not generic.NumberObject or type(size) is not generic.NumberObject \
                or size < 0:
            return None
        block = stream.read(20 * size)
        if len(block) != 20 * size or not _XREF_LINES.fullmatch(block):
            return None
        for ix in range(0, 20 * size, 20):
            generation = int(block[ix + 11:ix + 16])
            if generation > 0xFFFF:  # pyHanko skips it, or refuses it midway
                return None
            rows.append((num if ix == 0 else num + ix // 20, generation,
                         int(block[ix:ix + 10]) if block[ix + 17] == 0x6E else None))  # "n"
        misc.read_non_whitespace(stream)
        stream.seek(-1, os.SEEK_CUR)
        if stream.read(7) == b"trailer":
            misc.read_non_whitespace(stream)
            stream.seek(-1, os.SEEK_CUR)
            return rows
        stream.seek(-7, os.SEEK_CUR)


def process_entries(self: xref.XRefSectionData, entries, strict: bool):
    """pyHanko's :meth:`XRefSectionData.process_entries`, taking a regular table's rows
    directly (no generation above 65535 there): the same tables, the same highest number."""
    rows = entries.rows() if type(entries) is XrefTable else None
    if rows is None:
        return original_process_entries(self, entries, strict)
    highest_id = 0
    standard, freed, explicit = self.standard_xrefs, self.freed, self.explicit_refs_in_revision
    for idnum, generation, offset in rows:
        if not highest_id > idnum:  # max(idnum, highest_id), as pyHanko keeps it
            highest_id = idnum
        if idnum == 0:
            continue
        if offset is None:
            freed[idnum] = generation
            explicit.add((idnum, generation - 1))
        else:
            standard[idnum] = (generation, offset)
            explicit.add((idnum, generation))
    return highest_id
