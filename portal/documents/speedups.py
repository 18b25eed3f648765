"""Two hot spots of pyHanko and asn1crypto, sped up without changing their results.

1. PDF hex strings:
pyHanko reads hex strings one byte at a time through its tokenizer. Every signature keeps its
CMS blob as a hex string of several thousand digits, and signing and validating re-read those
blobs dozens of times: about 60 ms of a signing ceremony. This reader accepts exactly the same
syntax (PDF 32000-1 §7.3.4.3: hex digits, white space ignored, an odd final digit padded with
0, ended by ">") but scans in bulk.

2. Certificate name comparison: see :func:`name_eq`.

tests/documents/test_speedups.py checks both against the originals.
"""

from __future__ import annotations

import binascii
import re

from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

_WHITESPACE = b" \t\r\n\x0c\x00"
_HEX = re.compile(rb"[0-9a-fA-F]*")
original_read_hex_string = generic.read_hex_string_from_stream


def read_hex_string_from_stream(stream):
    stream.read(1)  # the opening "<"
    start = stream.tell()
    parts = []
    while True:
        chunk = stream.read(16384)
        if not chunk:
            raise PdfStreamError("Unterminated hex string")
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        parts.append(chunk)
    raw = b"".join(parts)
    stream.seek(start + len(raw) + 1)  # just past the closing ">"
    digits = raw.translate(None, _WHITESPACE)
    if not _HEX.fullmatch(digits):
        bad = next(bytes([c]) for c in digits if c not in b"0123456789abcdefABCDEF")
        raise PdfStreamError("Unexpected token in hex string: " + repr(bad))
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


original_name_eq = x509.Name.__eq__


def name_eq(self, other) -> bool:
    """RFC 5280 name comparison, with a shortcut when both encodings are identical.

    asn1crypto normalises every attribute on every comparison; validation compares the same
    few certificate names hundreds of times per signature. Identical DER is always equal.
    """
    if isinstance(other, x509.Name) and self.dump() == other.dump():
        return True
    return original_name_eq(self, other)


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    x509.Name.__eq__ = name_eq


install()
