"""Voxio's seal from a qualified trust service (docs/QUALIFIED-SEAL.md): the seal certificate
and key from an external CA, as a PKCS#12 file or on a token, and the timestamps from that
service's TSA. The service is certomancer on 127.0.0.1 (tests/trust_service.py): a root, an
issuing CA with OCSP and CRLs, a TSA. The customers' one-shot certificates stay on the
embedded PKI."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta

import pkcs11
import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, CertificateType, ObjectClass
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from sqlalchemy import select

from portal.documents.contract import wording
from portal.documents.pades import validation
from portal.models import SignedAgreement
from portal.services import renewal, storage, trust
from portal.services.context import cli_actor
from tests import trust_service
from tests.documents.tools import pdf_text
from tests.views.test_signing import _sign

SEAL_PASSWORD = "zegel-wachtwoord-van-de-qtsp"
TRUSTED = "certificaatketen vertrouwd, met bewijs van intrekkingsstatus"


@pytest.fixture(scope="module")
def qtsp(tmp_path_factory):
    """The qualified trust service, shared by the module's tests."""
    with trust_service.serve(tmp_path_factory.mktemp("qtsp")) as service:
        yield service


@pytest.fixture
def qualified_seal(app, qtsp, tmp_path):
    """The portal set up as docs/QUALIFIED-SEAL.md says, with the seal as a PKCS#12 file."""
    _set_up_qualified_seal(app, qtsp, tmp_path)
    yield qtsp
    qtsp.set_clock(None)


@pytest.fixture
def owner(customer, create_revision):
    """The customer's owner (Petra Jansen), with saved choices."""
    create_revision(customer.org, customer.owner)
    return customer.owner


def _set_up_qualified_seal(app, service: trust_service.TrustService, folder) -> None:
    seal = service.credential("seal")
    p12 = folder / "voxio-seal.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"Voxio Internet Services", seal.key, seal.cert, service.chain(),
        BestAvailableEncryption(SEAL_PASSWORD.encode())))
    app.config.update(SEAL_PKCS12_PATH=str(p12), SEAL_PKCS12_PASSWORD=SEAL_PASSWORD,
                      TSA_URL=service.tsa_url, TSA_TRUST_ROOTS=str(service.root_pem),
                      EXTRA_TRUST_ROOTS=str(service.root_pem))


def _countersigned(auth, owner) -> bytes:
    """Petra signs in the portal; Voxio's seal countersigns; the file as downloaded."""
    auth.login_user(owner)
    response = _sign(auth)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return auth.client.get("/agreement/signed/1/download").data


def _timestamp_authorities(pdf: bytes) -> list[str]:
    """Who made every timestamp in the file: the signatures' own, then the document stamps."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    tokens = [token for emb in reader.embedded_regular_signatures
              for token in extract_tst_data_iter(emb.signer_info, signed=False)]
    tokens += [emb.signed_data for emb in reader.embedded_timestamp_signatures]
    return [extract_certificate_info(token).signer_cert.subject.native["common_name"]
            for token in tokens]


def test_a_seal_from_a_qualified_trust_service_countersigns_and_validates_to_b_lta(
        app, db, auth, owner, qualified_seal):
    signed = _countersigned(auth, owner)
    report = validation.inspect(signed, trust.trust_roots())
    assert report.ok, report.to_dict()
    customer, seal = report.signatures
    assert customer.level == seal.level == "B-LTA"
    assert (seal.signer, seal.organization, seal.issuer) == (
        "Voxio Internet Services", "Voxio Internet Services", "Externe Gekwalificeerde CA")
    # the customer's one-shot certificate still comes from the embedded PKI
    embedded_ca = trust.authority().signing_ca.cert.subject.get_attributes_for_oid(
        NameOID.COMMON_NAME)[0].value
    assert customer.signer == "Petra Jansen" and customer.issuer == embedded_ca
    # every timestamp (both signatures' own and the archive stamp) is the trust service's
    assert _timestamp_authorities(signed) == ["Externe TSA"] * 3
    assert [(t.signer, t.verdict) for t in report.timestamps] == [("Externe TSA", "passed")]
    seal_cert = qualified_seal.certificate("seal")
    assert seal_cert in validation.embedded_certificates(signed)
    agreement = db.session.scalar(select(SignedAgreement))
    assert agreement.seal_subject == seal_cert.subject.rfc4514_string()
    assert agreement.file.sha256 == report.sha256


def test_the_sealed_copy_carries_the_trust_services_proof_and_checks_without_it(
        app, db, auth, owner, tmp_path):
    """The trust service is gone before anything is checked: the file alone, and the roots,
    prove both signatures, until the trust service's CRL for its TSA runs out."""
    with trust_service.serve(tmp_path / "qtsp") as service:
        _set_up_qualified_seal(app, service, tmp_path)
        signed = _countersigned(auth, owner)
        seal_serial = service.certificate("seal").serial_number
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed), strict=False))
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    answers = [asn1_ocsp.OCSPResponse.load(ref.get_object().data).basic_ocsp_response
               for ref in dss.ocsps]
    external_root = {crl["tbs_cert_list"]["next_update"].native for crl in crls
                     if crl.issuer.native["common_name"] == "Externe Root CA"}
    assert len(external_root) == 1  # covers the issuing CA and the TSA
    assert seal_serial in {single["cert_id"]["serial_number"].native for answer in answers
                           for single in answer["tbs_response_data"]["responses"]}
    report = validation.inspect(signed, trust.trust_roots())
    assert report.ok, report.to_dict()
    assert [s.level for s in report.signatures] == ["B-LTA", "B-LTA"]
    # offline, the copy holds as long as the trust service's CRL for its TSA does
    (until,) = external_root
    assert report.offline_until == until
    assert validation.inspect(signed, trust.trust_roots(), at=until - timedelta(minutes=1)).ok
    late = validation.inspect(signed, trust.trust_roots(), at=until + timedelta(days=1))
    assert not late.ok and late.timestamps[0].problem == "TRY_LATER"


def test_the_verify_page_and_the_pdf_name_the_trust_service_behind_the_seal(
        app, db, auth, owner, qualified_seal, tmp_path):
    signed = _countersigned(auth, owner)
    public_id = db.session.scalar(select(SignedAgreement.public_id))
    anonymous = auth.another()
    checked = anonymous.post("/verify", {"file": (io.BytesIO(signed), "x.pdf")},
                             token_from="/verify",
                             content_type="multipart/form-data").get_data(as_text=True)
    stored = auth.client.get("/agreement/signed/1/report").get_data(as_text=True)
    for page in (checked, stored):
        assert "Beide handtekeningen zijn geldig en vertrouwd." in page
        assert "Handtekening 2: Voxio Internet Services" in page
        assert "Externe Gekwalificeerde CA" in page  # the seal's issuer
        assert page.count(TRUSTED) == 2
        assert "Externe TSA" in page  # the document timestamp's authority
    assert public_id in checked  # the file is the one we keep
    status = anonymous.client.get(f"/verify/{public_id}").get_data(as_text=True)
    assert public_id in status and "Dit is de huidige" in status
    copy = auth.client.get("/agreement/signed/1").get_data(as_text=True)
    assert "Medeondertekend door Voxio" in copy and "Voxio Internet Services" in copy
    # the PDF: the seal in the signature block; the roots to trust, the trust service's among
    # them, with fingerprints, for someone who holds only the file
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    text = " ".join(pdf_text(path).split())
    assert "Voxio Internet Services Namens Verwerker, met elektronisch zegel" in text
    root = qualified_seal.certificate("root").fingerprint(hashes.SHA256()).hex()
    assert f"“Externe Root CA”, SHA-256-vingerafdruk {wording.grouped(root)}" in text


def test_a_year_on_a_renewal_by_the_qualified_tsa_keeps_the_seal_valid(
        app, db, auth, owner, qualified_seal):
    signed = _countersigned(auth, owner)
    agreement = db.session.scalar(select(SignedAgreement))
    a_year_on = agreement.signed_at + timedelta(days=365)
    stale = validation.inspect(signed, trust.trust_roots(), at=a_year_on)
    assert not stale.ok  # the trust service's CRL for its TSA has long run out
    qualified_seal.set_clock(a_year_on)  # its TSA, OCSP responder and CRLs, a year on
    result = renewal.renew_due(cli_actor("renewal"), now=a_year_on)  # the daily cron's run
    assert (result.renewed, result.failed) == ([agreement.public_id], [])
    db.session.refresh(agreement)
    first, renewed = agreement.files
    renewed_bytes = storage.get(renewed.file_key)
    assert renewed_bytes.startswith(storage.get(first.file_key))  # the earlier bytes stay
    report = validation.inspect(renewed_bytes, trust.trust_roots(), at=a_year_on)
    assert report.ok, report.to_dict()
    assert [s.level for s in report.signatures] == ["B-LTA", "B-LTA"]
    assert report.signatures[1].issuer == "Externe Gekwalificeerde CA"
    assert _timestamp_authorities(renewed_bytes) == ["Externe TSA"] * 4
    assert report.timestamps[-1].timestamp == a_year_on
    assert report.offline_until > a_year_on


SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture
def seal_token(qtsp, tmp_path, monkeypatch):
    """The trust service's seal key and certificate on a PKCS#11 token (SoftHSM2), where a
    qualified seal's key lives on a QSCD; yields the token's label."""
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "voxio-seal",
                    "--pin", "1234", "--so-pin", "567890"], check=True, capture_output=True)
    key_pem = tmp_path / "seal-key.pem"
    key_pem.write_bytes((qtsp.folder / "keys" / "seal.key.pem").read_bytes())
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", "voxio-seal",
                    "--label", "seal", "--id", "01", "--pin", "1234"], check=True,
                   capture_output=True)
    key_pem.unlink()
    library = pkcs11.lib(SOFTHSM)
    library.reinitialize()  # SoftHSM reads SOFTHSM2_CONF when initialized: this test's tokens
    cert = qtsp.certificate("seal")
    with library.get_token(token_label="voxio-seal").open(user_pin="1234", rw=True) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.ISSUER: cert.issuer.public_bytes(),
            Attribute.LABEL: "seal", Attribute.ID: b"\x01", Attribute.TOKEN: True})
    yield "voxio-seal"
    library.finalize()  # whoever loads it next initializes it with their own configuration


def test_a_qualified_seal_on_a_token_countersigns_with_the_chain_from_seal_chain(
        app, db, auth, owner, qtsp, seal_token, tmp_path):
    """The qualified case proper: the seal key on a token through PKCS#11, the certificates
    above it from SEAL_CHAIN."""
    chain = tmp_path / "qtsp-chain.pem"
    chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                               for c in qtsp.chain()))
    app.config.update(SEAL_PKCS11_MODULE=SOFTHSM, SEAL_PKCS11_TOKEN=seal_token,
                      SEAL_PKCS11_KEY="seal", SEAL_PKCS11_PIN="1234", SEAL_CHAIN=str(chain),
                      TSA_URL=qtsp.tsa_url, TSA_TRUST_ROOTS=str(qtsp.root_pem),
                      EXTRA_TRUST_ROOTS=str(qtsp.root_pem))
    signed = _countersigned(auth, owner)
    report = validation.inspect(signed, trust.trust_roots())
    assert report.ok, report.to_dict()
    seal = report.signatures[1]
    assert (seal.signer, seal.issuer, seal.level) == (
        "Voxio Internet Services", "Externe Gekwalificeerde CA", "B-LTA")
    assert _timestamp_authorities(signed) == ["Externe TSA"] * 3


def test_the_seal_is_not_trusted_without_the_trust_services_root(
        app, db, auth, owner, qualified_seal):
    """EXTRA_TRUST_ROOTS is what makes the portal trust the seal: without the trust service's
    root, the same file's seal cannot be confirmed (as in a reader that lacks it)."""
    signed = _countersigned(auth, owner)
    own_root_only = [trust.authority().root.cert]
    report = validation.inspect(signed, own_root_only)
    customer, seal = report.signatures
    assert customer.intact and seal.intact and seal.valid
    assert not report.ok and not seal.trusted and seal.verdict == "indeterminate"
    assert validation.inspect(signed, trust.trust_roots()).ok


def test_a_pkcs12_seal_without_its_chain_signs_with_the_chain_from_seal_chain(
        app, db, auth, owner, qualified_seal, tmp_path):
    seal = qualified_seal.credential("seal")
    bare = tmp_path / "bare-seal.p12"
    bare.write_bytes(pkcs12.serialize_key_and_certificates(
        b"Voxio Internet Services", seal.key, seal.cert, None,
        BestAvailableEncryption(SEAL_PASSWORD.encode())))
    chain = tmp_path / "qtsp-chain.pem"
    chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                               for c in qualified_seal.chain()))
    app.config.update(SEAL_PKCS12_PATH=str(bare), SEAL_CHAIN=str(chain))
    report = validation.inspect(_countersigned(auth, owner), trust.trust_roots())
    assert report.ok, report.to_dict()
    assert report.signatures[1].issuer == "Externe Gekwalificeerde CA"


def test_the_pki_page_lists_the_trust_services_certificates_instead_of_the_embedded_seal(
        app, db, client, qualified_seal):
    page = client.get("/pki/").get_data(as_text=True)
    embedded = trust.authority()
    assert embedded.root.cert.subject.rfc4514_string() in page  # customers' certificates
    assert embedded.seal.cert.subject.rfc4514_string() not in page
    assert embedded.tsa.cert.subject.rfc4514_string() not in page
    for cert in (qualified_seal.certificate("seal"), *qualified_seal.chain()):
        assert wording.grouped(cert.fingerprint(hashes.SHA256()).hex()) in page


def test_the_next_renewal_comes_before_the_trust_services_proof_runs_out(
        app, db, auth, owner, qualified_seal):
    _countersigned(auth, owner)
    file = db.session.scalar(select(SignedAgreement)).file
    assert file.offline_until is not None
    interval = timedelta(days=app.config["TIMESTAMP_RENEW_DAYS"])
    assert file.renew_after == min(file.last_timestamp_at + interval,
                                   file.offline_until - renewal.RENEW_MARGIN)


def test_a_renewal_that_would_not_validate_is_refused_and_the_earlier_copy_stays(
        app, db, auth, owner, runner, tmp_path):
    """The trust service is unreachable when a renewal, after its proof ran out, needs fresh
    proof from it: the renewal is refused and reported, the stored copy stays as it was."""
    with trust_service.serve(tmp_path / "qtsp") as service:
        _set_up_qualified_seal(app, service, tmp_path)
        _countersigned(auth, owner)
    agreement = db.session.scalar(select(SignedAgreement))
    stale = agreement.file.offline_until + timedelta(days=1)
    app.config.update(TSA_URL=None)  # back to the embedded TSA; the trust service is gone
    with pytest.raises(Exception, match="does not validate"):
        renewal.renew(agreement, cli_actor("test"), now=stale)
    db.session.rollback()
    assert [f.version for f in agreement.files] == [1]
    result = renewal.renew_due(cli_actor("renewal"), now=stale)
    assert result.renewed == [] and result.failed[0][0] == agreement.public_id
