"""The fast hex-string reader reads exactly what pyHanko's own reader reads."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from asn1crypto import x509
from pyhanko.pdf_utils import generic, xref
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError, PdfStreamError
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign import attributes

from portal.documents.pades import offline, speedups, speedups_reading, validation
from tests.documents.test_signing import _append_content_change, sign_both

ROOT = Path(__file__).resolve().parents[2]


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


def test_importing_the_engine_changes_nothing_in_pyhanko_or_flask():
    """A fresh interpreter: the engine imports without Flask and patches nothing."""
    script = textwrap.dedent("""
        import sys
        import portal.documents.contract.pdf, portal.documents.contract.signatures
        import portal.documents.pades.signing, portal.documents.pades.validation
        from pyhanko.pdf_utils import generic
        from portal.documents.pades import speedups
        assert generic.read_hex_string_from_stream is speedups.original_read_hex_string
        assert not speedups.installed()
        assert not [name for name in sys.modules if name.split(".")[0] == "flask"]
        speedups.install()
        speedups.install()  # twice changes nothing either
        assert speedups.installed()
        assert generic.read_hex_string_from_stream is speedups.read_hex_string_from_stream
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def test_install_puts_every_speedup_in_place():
    speedups.install()
    assert generic.read_hex_string_from_stream is speedups.read_hex_string_from_stream
    assert HistoricalResolver._load_reverse_xref_cache is speedups.load_reverse_xref_cache
    assert x509.Name.__eq__ is speedups.name_eq
    assert attributes.as_signing_certificate_v2 is speedups.signing_certificate_v2
    assert generic.NameObject.read_from_stream is speedups_reading.read_name_from_stream
    assert generic.IndirectObject.read_from_stream is speedups_reading.read_reference_from_stream
    assert xref.parse_xref_table is speedups_reading.XrefTable
    assert xref.XRefSectionData.process_entries is speedups_reading.process_entries


def test_name_comparison_is_unchanged():
    def name(**attrs):
        return x509.Name.build(attrs)

    a = name(common_name="Petra Jansen", organization_name="Bakkerij")
    same = name(common_name="Petra Jansen", organization_name="Bakkerij")
    spaced = name(common_name="petra   JANSEN", organization_name="bakkerij")  # RFC 5280: equal
    other = name(common_name="Jan Jansen", organization_name="Bakkerij")
    fewer = name(common_name="Petra Jansen")
    printable = x509.Name.build({"common_name": "Petra Jansen", "organization_name": "Bakkerij"},
                                use_printable=True)
    multi = x509.Name([("", x509.RDNSequence([x509.RelativeDistinguishedName([
        {"type": "common_name", "value": x509.DirectoryString(name="utf8_string",
                                                              value="Petra Jansen")},
        {"type": "organization_name", "value": x509.DirectoryString(name="utf8_string",
                                                                    value="Bakkerij")}])]))][0])
    # inside a GeneralName the name is explicitly tagged: its encoding differs, not its value
    tagged = x509.GeneralName.load(
        x509.GeneralName(name="directory_name", value=spaced).dump()).chosen
    names = (a, same, spaced, other, fewer, printable, multi, tagged)
    for left in names:
        for right in names:
            assert speedups.name_eq(left, right) == speedups.original_name_eq(left, right), (
                left, right)
    assert a == same and a == spaced and a == printable and a != other and a != fewer
    for each in names:
        assert speedups.name_hashable(each) == speedups.original_name_hashable.fget(each)
        assert speedups.name_hashable(each) == speedups.original_name_hashable.fget(each)  # kept
        assert (speedups.name_human_friendly(each)
                == speedups.original_name_human_friendly.fget(each))
    assert a == tagged and tagged == spaced
    assert a != multi  # one RDN with two attributes is not two RDNs
    assert a != "Petra Jansen"


def test_reverse_xref_table_is_unchanged(authority, unsigned):
    """Every revision of a signed agreement (tagged, outlines, form fields, DSS) and of a
    file changed after signing: the same paths to the same objects as pyHanko's own."""


    signed, _customer = sign_both(authority, unsigned)
    changed = _append_content_change(signed, zlib.compress(b"BT /F1 12 Tf (X) Tj ET"))
    for data in (unsigned, signed, changed):
        theirs = PdfFileReader(io.BytesIO(data), strict=False)
        ours = PdfFileReader(io.BytesIO(data), strict=False)
        for revision in range(theirs.xrefs.total_revisions):
            expected = theirs.get_historical_resolver(revision)
            actual = ours.get_historical_resolver(revision)
            speedups.original_load_reverse_xref_cache(expected)
            speedups.load_reverse_xref_cache(actual)
            assert actual._indirect_object_access_cache == expected._indirect_object_access_cache
            assert len(expected._indirect_object_access_cache) > 300
            assert all(ref.pdf is actual for ref in actual._indirect_object_access_cache)


def test_reverse_xref_table_refuses_a_circular_page_tree(unsigned):

    writer = IncrementalPdfFileWriter(io.BytesIO(unsigned), strict=False)
    pages = writer.root["/Pages"]
    kids = pages["/Kids"]
    kids.append(writer.root.raw_get("/Pages"))  # the tree contains itself
    writer.update_container(kids)
    out = io.BytesIO()
    writer.write(out)
    for load in (speedups.original_load_reverse_xref_cache, speedups.load_reverse_xref_cache):
        reader = PdfFileReader(io.BytesIO(out.getvalue()), strict=False)
        with pytest.raises(PdfReadError):
            load(reader.get_historical_resolver(1))
    assert isinstance(kids, generic.ArrayObject)


def _read_both(original, fast, data: bytes, *args):
    results = []
    for reader in (original, fast):
        stream = io.BytesIO(data)
        try:
            value = reader(stream, *args)
            results.append((type(value), repr(value), stream.tell()))
        except (PdfReadError, PdfStreamError) as error:
            results.append((type(error), stream.tell()))
    return results


@pytest.mark.parametrize("data", [
    b"/Type", b"/Type/Page", b"/Type /Page", b"/A#20B ", b"/A#2", b"/A#zz>", b"/", b"/ x",
    b"/\x80abc ", b"/caf\xc3\xa9 ", b"/Lang(nl)", b"/K[1 2]", b"/F1\r\n", b"/a%comment",
    b"Type", b"/" + b"x" * 300 + b">>", b"/x" + b"#41" * 50 + b"\x00",
])
def test_names_read_as_pyhanko_reads_them(data):
    original, fast = _read_both(speedups_reading.original_read_name,
                                speedups_reading.read_name_from_stream, data)
    assert original == fast


def test_random_names_match():
    rng = random.Random(11)
    alphabet = b"abcXYZ019#.-_~!*\x80\xe9 /()<>[]{}%\n\x00"
    for _ in range(500):
        data = b"/" + bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        original, fast = _read_both(speedups_reading.original_read_name,
                                    speedups_reading.read_name_from_stream, data)
        assert original == fast, data


@pytest.mark.parametrize("data", [
    b"12 0 R", b"12 0 R>>", b"12 0 R/Next", b"3  0\nR]", b"3 0 \x00R", b"3\t0\r\nR ",
    b"3 0 %c\nR", b"0 0 R", b"12 0 X", b"12 0", b"12\x0b0 R", b"007 00 R ", b"1 2 R",
])
def test_references_read_as_pyhanko_reads_them(data):
    class Handler:  # what container_ref.get_pdf_handler() gives the reference
        pass

    class Container:
        def get_pdf_handler(self):
            return handler

    handler = Handler()
    original, fast = _read_both(speedups_reading.original_read_reference,
                                speedups_reading.read_reference_from_stream, data, Container())
    assert original == fast


def test_integrity_info_is_computed_once_and_equal(authority, unsigned):
    """Each signature's difference analysis runs once per reader, with pyHanko's result."""
    signed, _customer = sign_both(authority, unsigned)
    changed = _append_content_change(signed, zlib.compress(b"BT /F1 12 Tf (X) Tj ET"))
    speedups.install()
    for data in (signed, changed):
        theirs = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        ours = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        for expected, actual in zip(theirs, ours, strict=True):
            speedups.original_compute_integrity_info(expected)
            speedups.compute_integrity_info(actual)
            first = actual.diff_result
            speedups.compute_integrity_info(actual)
            speedups.compute_integrity_info(actual, skip_diff=True)
            assert actual.diff_result is first  # not computed again
            assert actual.summarise_integrity_info().keys() == \
                expected.summarise_integrity_info().keys()
            assert repr(actual.summarise_integrity_info()) == \
                repr(expected.summarise_integrity_info())


def _xref_both(data: bytes, strict: bool):
    """The entries read, then the tables filled, by pyHanko's code and by ours."""
    results = []
    for parse, process in ((speedups_reading.original_parse_xref_table,
                            speedups_reading.original_process_entries),
                           (speedups_reading.XrefTable, speedups_reading.process_entries)):
        stream = io.BytesIO(data)
        try:
            entries = [(type(e.idnum), e) for e in parse(stream, strict)]
            results.append((entries, stream.tell()))
        except Exception as error:  # whatever pyHanko raises, ours must raise too
            results.append((type(error), str(error), stream.tell()))
        stream, section = io.BytesIO(data), xref.XRefSectionData()
        try:
            highest = process(section, parse(stream, strict), strict)
            results.append((highest, section.standard_xrefs, section.freed,
                            section.explicit_refs_in_revision, stream.tell()))
        except Exception as error:
            results.append((type(error), str(error), stream.tell()))
    return results[0::2] + results[1::2]


LINE = b"0000000017 00000 n\r\n"
FREE = b"0000000000 65535 f \n"


@pytest.mark.parametrize("data", [
    b"0 2\n" + FREE + LINE + b"trailer\n<<>>",
    b"  0 1\r\n" + FREE + b"3 2\n" + LINE + b"0000001234 00002 n \rtrailer  \n<<",
    b"5 0\ntrailer <<", b"1 1\n" + LINE + b"trailer", b"1 1\n" + LINE,
    b"1 2\n" + LINE + b"0000000017 00000 n\ntrailer",  # one-byte end of line: pyHanko copes
    b"1 1\n" + b"0000000017 00000 n \r\n" + b"trailer",  # three bytes
    b"1 1\n" + b"17 0 n            \r\n" + b"trailer",
    b"1 1\n" + b"      17     0 n \n" + b"trailer",
    b"1 1\n0000000017 00000 x \ntrailer", b"1 1\n0000000017 0000a n \ntrailer",
    b"1.0 1\n" + LINE + b"trailer", b"1 -1\ntrailer", b"-3 1\n" + LINE + b"trailer",
    b"1 3\n" + LINE + LINE, b"x 1\n" + LINE + b"trailer", b"1 1\n" + LINE + b"%c\ntrailer",
    b"1 1 " + LINE + b"trailer", b"", b"1 1\n" + LINE + b"2 1\n" + LINE + b"traile",
    b"0 1\n0000000017 99999 n\r\ntrailer", b"0 2\n0000000000 70000 f\r\n" + LINE + b"trailer",
    b"7 1\n" + LINE + b"3 1\n" + LINE + b"trailer",
])
def test_xref_tables_read_as_pyhanko_reads_them(data):
    for strict in (False, True):
        original, fast, original_tables, fast_tables = _xref_both(data, strict)
        assert original == fast
        assert original_tables == fast_tables


def test_random_xref_tables_match():
    rng = random.Random(13)
    lines = [LINE, FREE, b"0000000017 00000 n\n", b"0000000017 00000 n \r\n", b"000017 0 n\r\n",
             b"0000000099 00001 f\r\n", b"0000000017 00000 z\r\n", b"0000000017 99999 n \n"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 3)):
            count = rng.randint(0, 4)
            parts.append(b"%d %d\n" % (rng.randint(0, 9), count))
            parts += [rng.choice(lines if rng.random() < 0.2 else lines[:2])
                      for _ in range(count)]
        # (no short junk at the very end: pyHanko's own reader then seeks back and loops)
        data = b"".join(parts) + rng.choice([b"trailer\n<<>>", b"trailer", b"", b"trailex"])
        for strict in (False, True):
            original, fast, original_tables, fast_tables = _xref_both(data, strict)
            assert original == fast, data
            assert original_tables == fast_tables, data


def test_xref_tables_of_a_signed_agreement_read_alike(authority, unsigned):
    signed, _customer = sign_both(authority, unsigned)
    tables = []
    for parse, process in ((speedups_reading.original_parse_xref_table,
                            speedups_reading.original_process_entries),
                           (speedups_reading.XrefTable, speedups_reading.process_entries)):
        xref.parse_xref_table, xref.XRefSectionData.process_entries = parse, process
        try:
            sections = PdfFileReader(io.BytesIO(signed), strict=False).xrefs._xref_sections
        finally:
            speedups.install()
        tables.append([(x.meta_info, x.xref_data.standard_xrefs, x.xref_data.freed,
                        x.xref_data.explicit_refs_in_revision) for x in sections])
    assert len(tables[0]) == 4 and tables[0] == tables[1]


def test_offline_validity_from_the_check_equals_a_fresh_read(authority, unsigned):
    """check_own works the offline validity out with its own reader, taken once."""
    signed, customer = sign_both(authority, unsigned)
    fresh = offline.offline_until(validation.open_pdf(signed))
    assert fresh is not None
    assert validation.check_own(signed, [customer.cert, authority.seal.cert,
                                         authority.tsa.cert]) == []

    class Parsed(Exception):
        pass

    def parse(pdf):
        raise Parsed

    assert offline.remembered(signed, parse) == fresh  # not parsed again
    with pytest.raises(Parsed):  # taken once
        offline.remembered(signed, parse)
    assert offline.remembered(signed, validation.open_pdf) == fresh
    validation.check_own(signed, [authority.tsa.cert])  # problems: nothing remembered
    with pytest.raises(Parsed):
        offline.remembered(signed, parse)
