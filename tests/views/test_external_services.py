"""Production set-ups: an external RFC 3161 TSA (certomancer on 127.0.0.1), a PKCS#12 seal
and a PKCS#11 seal on SoftHSM2."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.documents.pades import validation
from portal.extensions import db
from portal.models import Role, SignedAgreement
from portal.services import trust
from tests import tsa
from tests.helpers import AuthActions, make_app
from tests.factories import make_org, make_revision, make_user, persist


@pytest.fixture
def external_tsa(tmp_path):
    with tsa.serve(tmp_path / "tsa") as service:
        yield service


def _sign_as_owner(app) -> bytes:
    from tests.views.test_signing import _sign

    with app.app_context():
        org = make_org("Bakkerij Jansen B.V.")
        owner = make_user(org, Role.CUSTOMER_OWNER, email="owner@bakkerij.nl",
                          name="Petra Jansen")
        make_revision(org, owner)
        owner = persist(owner)
    auth = AuthActions(app.test_client(), app)
    auth.login_user(owner)
    response = _sign(auth)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return auth.client.get("/agreement/signed/1/download").data


def test_signing_with_an_external_tsa(database_url, tmp_path, smtp_server, external_tsa):
    app = make_app(database_url, tmp_path, MAIL_SERVER=smtp_server.hostname,
                   MAIL_PORT=smtp_server.port, TSA_URL=external_tsa.url,
                   TSA_TRUST_ROOTS=str(external_tsa.root_pem))
    signed = _sign_as_owner(app)
    with app.app_context():
        report = validation.inspect(signed, trust.trust_roots())
        assert report.ok, report.to_dict()
        assert {t.signer for t in report.timestamps} == {"Externe TSA"}
        assert db.session.scalar(select(SignedAgreement)).file.sha256 == report.sha256
    with app.app_context():
        db.engine.dispose()


def _issue_seal(app, name: str):
    """A seal key and certificate from the portal's own signing CA (as an operator would)."""
    from datetime import UTC, datetime

    from portal.documents.pades import pki

    with app.app_context():
        auth = trust.authority()
        cred = auth.issue_signer(pki.SignerName(name, "Voxio Internet Services",
                                                "seal@voxio.nl"), datetime.now(UTC))
        trust.record_issued(cred.cert, "seal")
        db.session.commit()
        return cred, auth.chain(cred.cert)


def test_signing_with_a_pkcs12_seal(database_url, tmp_path, smtp_server):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    app = make_app(database_url, tmp_path, MAIL_SERVER=smtp_server.hostname,
                   MAIL_PORT=smtp_server.port)
    cred, chain = _issue_seal(app, "Voxio Zegel (PKCS#12)")
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", cred.key, cred.cert, chain, BestAvailableEncryption(b"geheim-wachtwoord")))
    app.config.update(SEAL_PKCS12_PATH=str(p12), SEAL_PKCS12_PASSWORD="geheim-wachtwoord")
    signed = _sign_as_owner(app)
    with app.app_context():
        report = validation.inspect(signed, trust.trust_roots())
        assert report.ok and report.signatures[1].signer == "Voxio Zegel (PKCS#12)"
        db.engine.dispose()


SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def test_signing_with_a_pkcs11_seal_on_softhsm(database_url, tmp_path, smtp_server,
                                               monkeypatch):
    import subprocess

    import pkcs11
    from cryptography.hazmat.primitives import serialization
    from pkcs11 import Attribute, CertificateType, ObjectClass

    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "portal-seal",
                    "--pin", "1234", "--so-pin", "567890"], check=True, capture_output=True)
    app = make_app(database_url, tmp_path, MAIL_SERVER=smtp_server.hostname,
                   MAIL_PORT=smtp_server.port)
    cred, _chain = _issue_seal(app, "Voxio Zegel (HSM)")
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
    signed = _sign_as_owner(app)
    with app.app_context():
        report = validation.inspect(signed, trust.trust_roots())
        assert report.ok, report.to_dict()
        assert report.signatures[1].signer == "Voxio Zegel (HSM)"
        db.engine.dispose()
