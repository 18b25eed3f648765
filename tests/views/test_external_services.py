"""Production set-ups: an external RFC 3161 TSA (certomancer on 127.0.0.1), a PKCS#12 seal
and a PKCS#11 seal on SoftHSM2."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from pkcs11 import Attribute, CertificateType, ObjectClass
from sqlalchemy import select

from portal.documents.pades import pki, validation
from portal.extensions import db
from portal.models import SignedAgreement
from portal.services import trust
from tests import trust_service
from tests.views.test_signing import _sign


@pytest.fixture
def external(tmp_path):
    with trust_service.serve(tmp_path / "trust") as service:
        yield service


@pytest.fixture
def owner(customer, create_revision):
    """The customer's owner (Petra Jansen), with saved choices."""
    create_revision(customer.org, customer.owner)
    return customer.owner


def _sign_as_owner(auth, owner) -> bytes:
    auth.login_user(owner)
    response = _sign(auth)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return auth.client.get("/agreement/signed/1/download").data


def test_signing_with_an_external_tsa(app, db, auth, owner, external):
    app.config.update(TSA_URL=external.tsa_url, TSA_TRUST_ROOTS=str(external.root_pem))
    signed = _sign_as_owner(auth, owner)
    report = validation.inspect(signed, trust.trust_roots())
    assert report.ok, report.to_dict()
    assert {t.signer for t in report.timestamps} == {"Externe TSA"}
    assert db.session.scalar(select(SignedAgreement)).file.sha256 == report.sha256


def _issue_seal(name: str):
    """A seal key and certificate from the portal's own signing CA (as an operator would)."""

    auth = trust.authority()
    cred = auth.issue_signer(pki.SignerName(name, "Voxio Internet Services",
                                            "seal@voxio.nl"), datetime.now(UTC))
    trust.record_issued(cred.cert, "seal")
    db.session.commit()
    return cred, auth.chain(cred.cert)


def test_signing_with_a_pkcs12_seal(app, db, auth, owner, tmp_path):
    cred, chain = _issue_seal("Voxio Zegel (PKCS#12)")
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", cred.key, cred.cert, chain, BestAvailableEncryption(b"geheim-wachtwoord")))
    app.config.update(SEAL_PKCS12_PATH=str(p12), SEAL_PKCS12_PASSWORD="geheim-wachtwoord")
    signed = _sign_as_owner(auth, owner)
    report = validation.inspect(signed, trust.trust_roots())
    assert report.ok and report.signatures[1].signer == "Voxio Zegel (PKCS#12)"


SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def test_signing_with_a_pkcs11_seal_on_softhsm(app, db, auth, owner, tmp_path, monkeypatch):

    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "portal-seal",
                    "--pin", "1234", "--so-pin", "567890"], check=True, capture_output=True)
    cred, _chain = _issue_seal("Voxio Zegel (HSM)")
    key_pem = tmp_path / "seal-key.pem"
    key_pem.write_bytes(cred.key_pem())
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", "portal-seal",
                    "--label", "seal", "--id", "01", "--pin", "1234"], check=True,
                   capture_output=True)
    key_pem.unlink()
    token = pkcs11.lib(SOFTHSM).get_token(token_label="portal-seal")
    with token.open(user_pin="1234", rw=True) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.VALUE: cred.cert.public_bytes(serialization.Encoding.DER),
            Attribute.SUBJECT: cred.cert.subject.public_bytes(),
            Attribute.ISSUER: cred.cert.issuer.public_bytes(),
            Attribute.LABEL: "seal", Attribute.ID: b"\x01", Attribute.TOKEN: True})
    app.config.update(SEAL_PKCS11_MODULE=SOFTHSM, SEAL_PKCS11_TOKEN="portal-seal",
                      SEAL_PKCS11_KEY="seal", SEAL_PKCS11_PIN="1234")
    signed = _sign_as_owner(auth, owner)
    report = validation.inspect(signed, trust.trust_roots())
    assert report.ok, report.to_dict()
    assert report.signatures[1].signer == "Voxio Zegel (HSM)"
