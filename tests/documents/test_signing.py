"""Signing and validating real PAdES files with a throwaway PKI, checked by pyHanko and poppler."""

from __future__ import annotations

import io
import resource
import time
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from portal.documents.contract import signatures as contract_signatures
from portal.documents.pades import pki, signing, timestamps, validation
from tests.documents.tools import pdfsig, qpdf_check

SIGNATORY = pki.SignerName("Petra Jansen", "Bakkerij Jansen B.V.", "petra@bakkerij.nl",
                           title="Directeur")


def material(authority: pki.Authority, certs, at: datetime) -> signing.Revocation:
    crls, ocsps = authority.revocation_material(certs, at)
    return signing.Revocation(tuple(crls), tuple(ocsps))


def sign_both(authority, unsigned: bytes, at: datetime | None = None, stamper=None):
    at = at or datetime.now(UTC)
    customer = authority.issue_signer(SIGNATORY, at)
    certs = [customer.cert, authority.signing_ca.cert, authority.seal.cert, authority.tsa.cert]
    signed = contract_signatures.sign_agreement(
        unsigned,
        customer=signing.credential_signer(customer, authority.chain(customer.cert)),
        customer_name="Petra Jansen",
        seal=signing.credential_signer(authority.seal, authority.chain(authority.seal.cert)),
        provider_name="Voxio Test", timestamper=stamper or timestamps.local(authority),
        trust_roots=[authority.root.cert], revocation=material(authority, certs, at))
    return signed, customer


@pytest.fixture(scope="module")
def signed(authority, unsigned):
    return sign_both(authority, unsigned)[0]


def test_both_signatures_pass_pades_validation_now_and_a_day_later(authority, signed):
    for at in (None, datetime.now(UTC) + timedelta(days=1)):
        report = validation.inspect(signed, [authority.root.cert], at=at)
        assert [(s.field, s.verdict, s.intact, s.valid, s.trusted) for s in report.signatures] == [
            ("Verwerkingsverantwoordelijke", "passed", True, True, True),
            ("Verwerker", "passed", True, True, True)], report
        assert report.ok
    customer, seal = report.signatures
    assert customer.signer == "Petra Jansen" and customer.email == "petra@bakkerij.nl"
    assert customer.organization == "Bakkerij Jansen B.V."
    assert seal.level == "B-LTA" and customer.level == "B-LTA"  # the archive stamp covers both
    assert customer.coverage == "revision" and customer.later_changes in ("signatures",
                                                                          "validation data")
    assert seal.timestamp is not None and customer.timestamp is not None
    assert [t.verdict for t in report.timestamps] == ["passed"]


def test_poppler_and_qpdf_accept_the_signed_file(tmp_path, signed):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    out = pdfsig(path)
    assert out.count("Signature is Valid") >= 2, out
    assert "Petra Jansen" in out
    assert qpdf_check(path).returncode == 0


def test_a_copy_downloaded_at_signing_can_be_checked_offline_for_a_year(authority, signed):
    until = validation.inspect(signed, [authority.root.cert]).offline_until
    assert timedelta(days=364) < until - datetime.now(UTC) <= timedelta(days=365)
    # the report's date is where an offline check really stops: valid a day before, not after
    assert validation.inspect(signed, [authority.root.cert], at=until - timedelta(days=1)).ok
    late = validation.inspect(signed, [authority.root.cert], at=until + timedelta(days=1))
    assert not late.ok and [t.verdict for t in late.timestamps] == ["indeterminate"]


def test_an_unsigned_file_cannot_be_checked_offline_at_all(authority, unsigned):
    assert validation.inspect(unsigned, [authority.root.cert]).offline_until is None


def test_a_year_and_more_later_it_validates_after_a_renewal(authority, signed):
    year = datetime.now(UTC) + timedelta(days=400)
    before = validation.inspect(signed, [authority.root.cert], at=year)
    assert not before.ok  # the timestamp's revocation proof has gone stale
    renew_at = datetime.now(UTC) + timedelta(days=300)
    renewed = signing.renew(
        signed, timestamps.local(authority, fixed_dt=renew_at),
        trust_roots=[authority.root.cert],
        revocation=material(authority, [authority.tsa.cert, authority.signing_ca.cert],
                            renew_at), at=renew_at)
    assert renewed.startswith(signed)  # incremental: the earlier bytes stay
    after = validation.inspect(renewed, [authority.root.cert], at=year)
    assert after.ok, after
    assert len(after.timestamps) == 2
    assert after.offline_until - renew_at > timedelta(days=364)


def test_a_changed_byte_breaks_the_signatures(authority, signed):
    start = signed.index(b"Verwerkersovereenkomst", 2000)
    tampered = signed[:start] + b"X" + signed[start + 1:]
    report = validation.inspect(tampered, [authority.root.cert])
    assert not report.ok
    assert not any(s.intact for s in report.signatures)


def test_an_unknown_issuer_is_reported_untrusted(authority, unsigned):
    other = pki.create_authority("Other Test CA", "http://127.0.0.1:9", datetime.now(UTC))
    signed, _customer = sign_both(other, unsigned)
    report = validation.inspect(signed, [authority.root.cert])
    customer = report.signatures[0]
    assert customer.intact and customer.valid and not customer.trusted
    assert customer.verdict == "indeterminate" and customer.problem
    assert validation.inspect(signed, [other.root.cert]).ok


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n%garbage\n", b"\x00" * 100])
def test_garbage_is_not_a_pdf(authority, data):
    with pytest.raises(validation.NotAPdf):
        validation.inspect(data, [authority.root.cert])


def test_a_truncated_pdf_is_refused_or_reports_no_valid_signature(authority, signed):
    try:
        report = validation.inspect(signed[: len(signed) // 2], [authority.root.cert])
    except validation.NotAPdf:
        return
    assert not report.ok


def test_one_shot_certificates_name_the_signatory(authority):
    cred = authority.issue_signer(SIGNATORY, datetime.now(UTC))
    subject = cred.cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Petra Jansen"
    assert subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)[0].value == SIGNATORY.email
    assert cred.cert.signature_hash_algorithm.name == hashes.SHA256().name
    assert cred.cert.issuer == authority.signing_ca.cert.subject


def test_the_checks_after_signing_agree_with_the_full_validation(authority, unsigned):
    signed, customer = sign_both(authority, unsigned)
    ours = [customer.cert, authority.seal.cert, authority.tsa.cert]
    assert validation.confirm(signed, [authority.root.cert]) == []
    assert validation.check_own(signed, ours) == []
    start = signed.index(b"Verwerkersovereenkomst", 2000)
    tampered = signed[:start] + b"X" + signed[start + 1:]
    assert validation.confirm(tampered, [authority.root.cert])
    assert any("not intact" in p for p in validation.check_own(tampered, ours))
    other = pki.create_authority("Other Test CA", "http://127.0.0.1:9", datetime.now(UTC))
    assert validation.confirm(signed, [other.root.cert])  # not trusted there
    assert any("unexpected certificate" in p
               for p in validation.check_own(signed, [customer.cert, authority.tsa.cert]))
    assert validation.check_own(signed + b"\n% appended\n", ours) == [
        "the last signature does not cover the whole file"]
    # a changed signature value: the signature and its timestamp's imprint both fail
    hex_start = signed.index(b"/Contents <") + len(b"/Contents <") + 400
    flipped = signed[:hex_start] + (b"0" if signed[hex_start:hex_start + 1] != b"0" else b"1") \
        + signed[hex_start + 1:]
    assert validation.check_own(flipped, ours)
    assert validation.check_own(b"not a pdf", ours) == ["validation failed: not a PDF file"]


def _append_content_change(signed: bytes, payload: bytes) -> bytes:
    """An incremental update that replaces page 1's content stream after signing."""

    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    stream = generic.StreamObject({generic.NameObject("/Filter"):
                                   generic.NameObject("/FlateDecode")}, encoded_data=payload)
    ref = writer.add_object(stream)
    page = writer.root["/Pages"].raw_get("/Kids")[0].get_object()
    page[generic.NameObject("/Contents")] = ref
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_content_changed_after_signing_is_not_reported_valid(authority, signed):
    changed = _append_content_change(signed, zlib.compress(b"BT /F1 12 Tf (Andere tekst) Tj ET"))
    report = validation.inspect(changed, [authority.root.cert])
    assert not report.ok
    assert all(s.intact and s.changed_after for s in report.signatures)


def test_a_decompression_bomb_is_handled_without_blowing_up(authority, signed):
    bomb = _append_content_change(signed, zlib.compress(b"0" * (200 * 1024 * 1024), 9))
    assert len(bomb) < len(signed) + 300_000  # 200 MB hiding in ~200 kB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    report = validation.inspect(bomb, [authority.root.cert])
    assert time.monotonic() - start < 30
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 150, grown_mb  # the stream is never inflated
    assert not report.ok


def test_the_signed_file_stays_pdf_1_7_as_pdf_a_3_is_and_keeps_its_tags(unsigned, signed):
    """PDF/A-3 is based on PDF 1.7: signing must not declare PDF 2.0 (docs/PDF-CONFORMANCE.md)."""
    before = PdfFileReader(io.BytesIO(unsigned), strict=False)
    after = PdfFileReader(io.BytesIO(signed), strict=False)
    assert signed.startswith(b"%PDF-1.7") and after.input_version == (1, 7)
    root = after.root
    assert "/Version" not in root or str(root["/Version"]) in ("/1.7", "1.7")
    assert list(root["/Extensions"]) == ["/ESIC"]  # PAdES in PDF 1.7; no ISO 32002 (PDF 2.0)
    assert root["/Extensions"]["/ESIC"]["/BaseVersion"] == "/1.7"
    xmp = root["/Metadata"].data.decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert 'pdf:PDFVersion="1.7"' in xmp
    info = after.trailer_view["/Info"]
    assert f'pdf:Producer="{info["/Producer"]}"' in xmp  # Info and XMP agree (ISO 19005-3 6.6)
    # the tags are the same objects as before signing, and every page still points into them
    assert root.raw_get("/StructTreeRoot").idnum == before.root.raw_get("/StructTreeRoot").idnum
    assert root["/MarkInfo"]["/Marked"] and str(root["/Lang"]) == "nl-NL"
    pages = [page.get_object() for page in after.root["/Pages"]["/Kids"]]
    assert pages and all("/StructParents" in page for page in pages)
    # the signature fields are invisible zero-area widgets, printable and not hidden (PDF/A)
    for field in (ref.get_object() for ref in root["/AcroForm"]["/Fields"]):
        assert [float(x) for x in field["/Rect"]] == [0, 0, 0, 0] and field["/F"] & 0b100011 == 0


def test_two_signatories_in_turn_then_the_seal_all_end_at_b_lta(authority, unsigned, tmp_path):
    at = datetime.now(UTC)
    stamper = timestamps.local(authority)
    director = authority.issue_signer(SIGNATORY, at)
    dpo = authority.issue_signer(pki.SignerName(
        "Femke de Wit", "Bakkerij Jansen B.V.", "fg@bakkerij.nl", title="FG"), at)
    certs = [director.cert, dpo.cert, authority.signing_ca.cert, authority.seal.cert,
             authority.tsa.cert]
    revocation = material(authority, certs, at)
    pdf = unsigned
    for position, (cred, name) in enumerate(((director, "Petra Jansen"),
                                             (dpo, "Femke de Wit")), 1):
        pdf = contract_signatures.sign_as_customer(
            pdf, signing.credential_signer(cred, authority.chain(cred.cert)), name=name,
            timestamper=stamper, trust_roots=[authority.root.cert], revocation=revocation,
            position=position)
    sealed = contract_signatures.countersign(
        pdf, signing.credential_signer(authority.seal, authority.chain(authority.seal.cert)),
        provider_name="Voxio Test", timestamper=stamper, trust_roots=[authority.root.cert],
        revocation=revocation, earlier_certs=[director.cert, dpo.cert,
                                              *authority.chain(director.cert)])
    assert validation.check_own(sealed, [director.cert, dpo.cert, authority.seal.cert,
                                         authority.tsa.cert]) == []
    report = validation.inspect(sealed, [authority.root.cert])
    assert report.ok, report
    assert [(s.field, s.signer, s.level) for s in report.signatures] == [
        ("Verwerkingsverantwoordelijke", "Petra Jansen", "B-LTA"),
        ("Verwerkingsverantwoordelijke 2", "Femke de Wit", "B-LTA"),
        ("Verwerker", "Voxio Test Seal", "B-LTA")]
    # the first signature sees only a later signature and validation data after it
    assert report.signatures[0].later_changes in ("signatures", "validation data")
    path = tmp_path / "two-signatories.pdf"
    path.write_bytes(sealed)
    out = pdfsig(path)
    assert out.count("Signature is Valid") >= 3, out
    assert "Femke de Wit" in out and qpdf_check(path).returncode == 0
