"""The fast hex-string reader reads exactly what pyHanko's own reader reads."""

from __future__ import annotations

import io
import random

import pytest
from pyhanko.pdf_utils.misc import PdfStreamError

from portal.documents import speedups


def both(data: bytes):
    results = []
    for reader in (speedups.original_read_hex_string, speedups.read_hex_string_from_stream):
        stream = io.BytesIO(data)
        try:
            value = reader(stream)
            results.append((bytes(value.original_bytes if hasattr(value, "original_bytes")
                                  else value), stream.tell()))
        except PdfStreamError:
            results.append("error")
    return results


@pytest.mark.parametrize("data", [
    b"<>", b"<0>", b"<00ff>", b"<4E6F762073686D6F7A206B6120706F702E>rest", b"<a b\nc\r\td>x",
    b"<ABC>", b"<0g>", b"<12", b"<12\x00 34>", b"<" + b"af" * 9000 + b">tail",
])
def test_same_result_and_position_as_pyhanko(data):
    original, fast = both(data)
    assert original == fast


def test_random_hex_strings_match():
    rng = random.Random(7)
    for _ in range(300):
        alphabet = b"0123456789abcdefABCDEF \n\r\t"
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 70)))
        original, fast = both(b"<" + body + b">after")
        assert original == fast, body


def test_it_is_installed_in_pyhanko():
    from pyhanko.pdf_utils import generic

    assert generic.read_hex_string_from_stream is speedups.read_hex_string_from_stream


def test_name_comparison_is_unchanged():
    from asn1crypto import x509

    def name(**attrs):
        return x509.Name.build(attrs)

    a = name(common_name="Petra Jansen", organization_name="Bakkerij")
    same = name(common_name="Petra Jansen", organization_name="Bakkerij")
    spaced = name(common_name="petra   JANSEN", organization_name="bakkerij")  # RFC 5280: equal
    other = name(common_name="Jan Jansen", organization_name="Bakkerij")
    for left, right in ((a, same), (a, spaced), (a, other), (spaced, other)):
        assert (left == right) == speedups.original_name_eq(left, right)
    assert a == same and a == spaced and a != other
