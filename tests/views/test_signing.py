"""Signing, countersigning, keeping and verifying, through the portal's pages."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlalchemy import func, select

from portal.documents.contract import Contact, wording
from portal.documents.contract import pdf as pdf_module
from portal.documents.contract import signatures as contract_signatures
from portal.documents.pades import pki, signing, timestamps, validation
from portal.extensions import db
from portal.models import (
    AgreementFile,
    AuditEvent,
    IssuedCertificate,
    Organization,
    PreparedDocument,
    Role,
    SignedAgreement,
    UserSession,
    utcnow,
)
from portal.services import agreements, announcements, audit, mail, storage, subprocessors, trust
from portal.services.context import Actor
from portal.services.encryption import app_keyring
from tests import trust_service
from tests.documents.tools import body_words, pdf_text, pdfsig, qpdf_check
from tests.factories import ALL_ROLES, make_org, make_revision, make_user


@pytest.fixture
def people(customer, create_staff, create_revision):
    """The customer's owner (with saved choices) and member, and a staff administrator."""
    create_revision(customer.org, customer.owner)
    return customer.owner, customer.member, create_staff(Role.STAFF_ADMIN, email="admin@voxio.nl")


def _prepared_id(page: str) -> str:
    return page.split('name="prepared"')[1].split('value="')[1].split('"')[0]


def _sign(auth, **changes):
    page = auth.client.get("/agreement/sign").get_data(as_text=True)
    data = {"prepared": _prepared_id(page), "name": "Petra Jansen", "function": "Directeur",
            "authority": "y", **changes}
    return auth.post("/agreement/sign", {k: v for k, v in data.items() if v is not None},
                     token_from="/agreement/sign")


def _counts():
    return (db.session.scalar(select(func.count()).select_from(SignedAgreement)),
            db.session.scalar(select(func.count()).select_from(AgreementFile)),
            len(list(storage.all_keys())),
            db.session.scalar(select(func.count()).select_from(IssuedCertificate)
                              .where(IssuedCertificate.purpose == "signatory")))


def test_owner_signs_and_voxio_countersigns(app, db, auth, people, mailbox, tmp_path):
    owner, _member, admin = people
    subprocessors.create_active(subprocessors.SubProcessorData(
        "Rekencentrum Noord", "Rekencentrum Noord B.V.", "Servers", ("webhosting",),
        ("NL", "US"), "scc"), utcnow().date(), Actor(label_override="test"))
    auth.login_user(owner)
    page = auth.client.get("/agreement/sign")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    lead = html.split('class="lead"')[1].split("</p>")[0]
    assert "U ondertekent de verwerkersovereenkomst" in lead and "SHA-256" not in lead
    assert "<summary>Technische gegevens</summary>" in html  # digests folded away
    prepared_id = _prepared_id(html)
    unsigned = auth.client.get(f"/agreement/prepared/{prepared_id}.pdf")
    assert unsigned.mimetype == "application/pdf" and unsigned.data.startswith(b"%PDF-")
    response = _sign(auth)
    assert response.status_code == 302
    assert response.headers["Location"] == "/agreement/signed/1"
    copy = auth.client.get("/agreement/signed/1").get_data(as_text=True)
    assert prepared_id in copy
    download = auth.client.get("/agreement/signed/1/download")
    assert download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-1.7") and b"/Version /2.0" not in download.data
    report = validation.inspect(download.data, trust.trust_roots())
    assert report.ok and [s.field for s in report.signatures] == [
        "Verwerkingsverantwoordelijke", "Verwerker"]
    assert report.signatures[0].signer == "Petra Jansen"
    agreement = db.session.scalar(select(SignedAgreement))
    assert agreement.file.sha256 == validation.sha256(download.data)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"agreement.prepared", "agreement.signed", "agreement.download"} <= actions
    prepared = db.session.scalar(select(PreparedDocument))
    assert download.data != unsigned.data
    mail.drain()
    path = tmp_path / "signed.pdf"
    path.write_bytes(download.data)
    assert pdfsig(path).count("Signature is Valid") >= 2
    assert qpdf_check(path).returncode == 0
    # the evidence page names the reviewed document (its hash in groups of eight)
    assert wording.grouped(prepared.sha256) in _text(path)
    assert "Subverwerkers bij ondertekening" in _text(path)
    assert "Rekencentrum Noord (Rekencentrum Noord B.V.)" in _text(path)
    assert "modelcontractbepalingen" in _text(path)
    org = db.session.get(Organization, prepared.organization_id)
    preview_words = agreements.document(org, agreements.latest_revision(org)).words()
    assert body_words(pdf_text(path), prepared_id)[:len(preview_words)] == preview_words
    assert mailbox.to(owner.email) and mailbox.to(admin.email)
    assert "/agreement/signed/1" in mailbox.text(mailbox.last(owner.email))
    report_page = auth.client.get("/agreement/signed/1/report").get_data(as_text=True)
    assert "B-LTA" in report_page
    assert auth.client.get("/agreement/signed/1/report?format=json").json["ok"] is True


def _text(path):
    return " ".join(pdf_text(path).split())


def test_signing_needs_a_recent_login(app, db, auth, people):
    auth.login_user(people[0])
    db.session.execute(db.update(UserSession).values(
        authenticated_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    response = auth.client.get("/agreement/sign")
    assert response.status_code == 302 and "/confirm" in response.headers["Location"]
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "U gaat verder met: het ondertekenen van de verwerkersovereenkomst." in page


def test_the_signatory_must_confirm_name_and_authority(app, db, auth, people):
    auth.login_user(people[0])
    page = _sign(auth, name="Iemand Anders", authority=None).get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="authority-error"' in page
    assert 'value="Iemand Anders"' in page
    assert _counts()[0] == 0


def test_a_double_submit_signs_once(app, db, auth, people):
    auth.login_user(people[0])
    page = auth.client.get("/agreement/sign").get_data(as_text=True)
    data = {"prepared": _prepared_id(page), "name": "Petra Jansen", "function": "Directeur",
            "authority": "y"}
    first = auth.post("/agreement/sign", data, token_from="/agreement/sign")
    second = auth.post("/agreement/sign", data, token_from="/")
    assert first.headers["Location"] == second.headers["Location"] == "/agreement/signed/1"
    assert _counts()[:2] == (1, 1)


@pytest.mark.parametrize("step", ["render", "customer", "seal", "validate", "store", "audit",
                                  "commit"])
def test_a_failure_at_any_step_leaves_no_record_and_no_file(app, db, auth, people, monkeypatch,
                                                            step):
    auth.login_user(people[0])
    auth.client.get("/agreement/sign")  # prepares the document first
    before = _counts()

    def boom(*args, **kwargs):
        raise signing.SigningError(f"injected failure at {step}")

    if step == "render":
        monkeypatch.setattr(pdf_module, "render", boom)
    elif step == "customer":
        monkeypatch.setattr(signing, "sign", boom)
    elif step == "seal":
        monkeypatch.setattr(contract_signatures, "countersign", boom)
    elif step == "validate":
        real = validation.check_own
        monkeypatch.setattr(validation, "check_own", lambda data, signers: [
            *real(data, signers), "injected: the customer's signature is not intact"])
    elif step == "store":
        monkeypatch.setattr(storage, "_write_atomic", boom)
    elif step == "audit":
        real_record = audit.record

        def record(action, **kwargs):
            if action == "agreement.signed":
                raise signing.SigningError("audit down")
            return real_record(action, **kwargs)
        monkeypatch.setattr(audit, "record", record)
    elif step == "commit":
        real_commit = db.session.commit

        def commit():
            if any(isinstance(o, SignedAgreement) for o in db.session.identity_map.values()):
                raise signing.SigningError("database went away")
            return real_commit()
        monkeypatch.setattr(db.session, "commit", commit)
    response = _sign(auth)
    assert response.status_code == 200
    assert "nothing was signed or stored" in response.get_data(as_text=True).replace(
        "niets ondertekend of opgeslagen", "nothing was signed or stored")
    assert _counts() == before


def test_signed_choices_are_not_signed_again(app, db, auth, people):
    auth.login_user(people[0])
    _sign(auth)
    again = auth.client.get("/agreement/sign")
    assert again.status_code == 302 and again.headers["Location"] == "/agreement/signed/1"
    page = auth.client.get("/agreement/signed/1").get_data(as_text=True)
    assert "al ondertekend" in page or "already signed" in page
    assert auth.client.get("/agreement/sign/own").status_code == 302
    assert _counts()[0] == 1


def test_a_member_cannot_sign_but_can_download(app, auth, people):
    owner, member, _admin = people
    other = auth.another()
    other.login_user(owner)
    _sign(other)
    auth.login_user(member)
    assert auth.client.get("/agreement/sign").status_code == 403
    assert auth.client.get("/agreement/signed/1/download").status_code == 200


def test_a_tampered_stored_file_is_refused_and_alerts_staff(app, db, auth, people, mailbox,
                                                            task_worker):
    owner, _member, admin = people
    auth.login_user(owner)
    _sign(auth)
    agreement = db.session.scalar(select(SignedAgreement))
    key = agreement.file.file_key
    data = bytearray(storage.get(key))
    data[len(data) // 2] ^= 0x01
    storage._write_atomic(storage._path(key),
                          app_keyring().encrypt(bytes(data), associated=key.encode()))
    response = auth.client.get("/agreement/signed/1/download")
    assert response.status_code == 500 and response.mimetype == "text/html"
    task_worker(lambda: db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "agreement.integrity_alert")) == 1)
    mail.drain()
    assert "Integri" in mailbox.last(admin.email)["Subject"]


def test_verify_page_checks_uploads(app, db, auth, people, client):
    auth.login_user(people[0])
    _sign(auth)
    signed = auth.client.get("/agreement/signed/1/download").data
    public_id = db.session.scalar(select(SignedAgreement.public_id))
    anonymous = auth.another()
    good = anonymous.post("/verify", {"file": (io.BytesIO(signed), "x.pdf")},
                          token_from="/verify", content_type="multipart/form-data")
    page = good.get_data(as_text=True)
    assert public_id in page and "Petra Jansen" in page and "B-LTA" in page
    tampered = bytearray(signed)
    tampered[signed.index(b"Verwerkersovereenkomst", 3000)] ^= 0x20
    bad = anonymous.post("/verify", {"file": (io.BytesIO(bytes(tampered)), "x.pdf")},
                         token_from="/verify", content_type="multipart/form-data")
    assert bad.status_code == 200 and public_id not in bad.get_data(as_text=True)
    garbage = anonymous.post("/verify", {"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "x.pdf")},
                             token_from="/verify", content_type="multipart/form-data")
    assert 'id="file-error"' in garbage.get_data(as_text=True)
    # A customer of another organization sees the same answer (the file tells it anyway).
    stranger = make_user(make_org("Ander B.V."), ALL_ROLES)
    other = auth.another()
    other.login_user(stranger)
    page = other.post("/verify", {"file": (io.BytesIO(signed), "x.pdf")}, token_from="/verify",
                      content_type="multipart/form-data").get_data(as_text=True)
    assert public_id in page and "Petra Jansen" in page
    status = anonymous.client.get(f"/verify/{public_id}").get_data(as_text=True)
    assert public_id in status
    unknown = anonymous.client.get("/verify/VX-00000-NOPE")
    assert unknown.status_code == 404
    assert "VX-00000-NOPE" in unknown.get_data(as_text=True)  # says which number, and where
    assert 'href="/verify"' in unknown.get_data(as_text=True)  # to check the file instead


def test_pki_publishes_certificates_crls_and_answers_ocsp(app, client):
    root = x509.load_der_x509_certificate(client.get("/pki/root.crt").data)
    ca = x509.load_der_x509_certificate(client.get("/pki/signing_ca.crt").data)
    seal = x509.load_der_x509_certificate(client.get("/pki/seal.crt").data)
    crl = x509.load_der_x509_crl(client.get("/pki/signing_ca.crl").data)
    assert crl.is_signature_valid(ca.public_key()) and ca.issuer == root.subject
    request = ocsp.OCSPRequestBuilder().add_certificate(seal, ca, hashes.SHA256()).build()
    answer = client.post("/pki/ocsp", data=request.public_bytes(serialization.Encoding.DER),
                         content_type="application/ocsp-request")
    parsed = ocsp.load_der_ocsp_response(answer.data)
    assert parsed.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert parsed.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert client.get("/pki/").status_code == 200


def test_renewal_adds_an_archive_timestamp_and_keeps_the_old_bytes(app, db, auth, people, runner):
    auth.login_user(people[0])
    _sign(auth)
    first = runner.invoke(args=["agreements", "renew-timestamps"])
    assert "renewed 0" in first.output  # nothing is due yet
    db.session.execute(db.update(AgreementFile).values(
        renew_after=utcnow() - timedelta(days=1)))
    db.session.commit()
    second = runner.invoke(args=["agreements", "renew-timestamps"])
    assert "renewed 1" in second.output, second.output
    third = runner.invoke(args=["agreements", "renew-timestamps"])
    assert "renewed 0" in third.output
    agreement = db.session.scalar(select(SignedAgreement))
    old, new = agreement.files
    assert (old.version, new.version, new.reason) == (1, 2, "renewed")
    old_bytes, new_bytes = storage.get(old.file_key), storage.get(new.file_key)
    assert new_bytes.startswith(old_bytes) and b"/Version /2.0" not in new_bytes
    report = validation.inspect(new_bytes, trust.trust_roots())
    assert report.ok and len(report.timestamps) == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "agreement.timestamp_renewed")) == 1


# --- signing with your own certificate ----------------------------------------------------

def _own_signature(unsigned: bytes, *, dss_after: bool = False,
                   field: str = "Handtekening") -> bytes:
    """Sign as a customer would in another tool, with a certificate from a separate test CA."""
    other = pki.create_authority("Andere Test CA", "http://127.0.0.1:9", datetime.now(UTC))
    cred = other.issue_signer(pki.SignerName("Petra Jansen", "Bakkerij Jansen B.V.",
                                             "petra@bakkerij.nl"), datetime.now(UTC))
    crls, ocsps = other.revocation_material([cred.cert, other.signing_ca.cert,
                                             other.tsa.cert], datetime.now(UTC))
    signed = signing.sign(unsigned, signing.credential_signer(cred, other.chain(cred.cert)),
                          field_name=field, name="Petra Jansen", reason="Akkoord",
                          location="Utrecht", timestamper=timestamps.local(other),
                          trust_roots=[other.root.cert],
                          revocation=signing.Revocation(tuple(crls), tuple(ocsps)),
                          long_term=False)
    if dss_after:  # validation data in a revision of its own, as some signing tools add it
        out = io.BytesIO(signed)
        DocumentSecurityStore.add_dss(out, None, certs=[signing.asn1_cert(other.root.cert)],
                                      force_write=True)
        signed = out.getvalue()
    return signed


def _upload(auth, data: bytes):
    page = auth.client.get("/agreement/sign/own").get_data(as_text=True)
    return auth.post("/agreement/sign/own", {"prepared": _prepared_id(page),
                                             "file": (io.BytesIO(data), "signed.pdf")},
                     token_from="/agreement/sign/own", content_type="multipart/form-data")


def _prepared_bytes(auth) -> bytes:
    page = auth.client.get("/agreement/sign/own").get_data(as_text=True)
    return auth.client.get(f"/agreement/prepared/{_prepared_id(page)}.pdf?download=1").data


def test_own_certificate_upload_is_accepted_and_countersigned(app, db, auth, people):
    auth.login_user(people[0])
    signed_elsewhere = _own_signature(_prepared_bytes(auth))
    response = _upload(auth, signed_elsewhere)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"] == "/agreement/signed/1"
    final = auth.client.get("/agreement/signed/1/download").data
    assert final.startswith(signed_elsewhere)
    report = validation.inspect(final, trust.trust_roots())
    customer, seal = report.signatures
    assert customer.intact and customer.valid and not customer.trusted
    assert seal.ok and seal.level == "B-LTA"
    agreement = db.session.scalar(select(SignedAgreement))
    assert agreement.method == "own_certificate" and not agreement.signer_trusted
    assert "Andere Test CA" in agreement.trust_note
    page = auth.client.get("/agreement/signed/1").get_data(as_text=True)
    assert "Andere Test CA" in page


@pytest.mark.parametrize("case", ["other_document", "validation_data_after", "tampered",
                                  "two_signatures", "not_a_pdf", "unsigned", "text_file"])
def test_own_certificate_upload_refuses_what_is_not_the_prepared_document_signed_once(
        app, db, auth, people, case):
    auth.login_user(people[0])
    prepared = _prepared_bytes(auth)
    if case == "other_document":
        data = _own_signature(prepared.replace(b"Verwerkersovereenkomst",
                                               b"Verwerkersovereenkomsx", 1))
    elif case == "validation_data_after":
        data = _own_signature(prepared, dss_after=True)  # a DSS revision after the signature
    elif case == "tampered":
        good = _own_signature(prepared)
        data = bytearray(good)
        data[len(prepared) + 200] ^= 0x01
        data = bytes(data)
    elif case == "two_signatures":
        data = _own_signature(_own_signature(prepared), field="Tweede")
    elif case == "unsigned":
        data = prepared
    elif case == "text_file":
        data = b"Getekend door Petra"
    else:
        data = prepared + b"\x00garbage"
    page = _upload(auth, data).get_data(as_text=True)
    assert 'id="file-error"' in page, case
    expected = {"unsigned": "zonder handtekening", "text_file": "geen pdf"}.get(case)
    if expected:
        assert expected in page, case
    assert _counts()[0] == 0


class _PortalTimestampServer(TimeStamper):
    """Signing software set up with the portal's timestamp server (as step 2 says): each
    token comes from a real RFC 3161 request to ``POST /pki/tsa``."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        response = self.client.post("/pki/tsa", data=req.dump(),
                                    content_type="application/timestamp-query")
        assert response.mimetype == "application/timestamp-reply"
        return tsp.TimeStampResp.load(response.data)


def _sign_elsewhere(unsigned: bytes, credential, chain, timestamper) -> bytes:
    """Sign as Acrobat does by default: no validation data, a timestamp only if configured."""
    return signing.sign(unsigned, signing.credential_signer(credential, chain),
                        field_name="Handtekening", name="Petra Jansen", reason="Akkoord",
                        location="Utrecht", timestamper=timestamper, trust_roots=[],
                        revocation=signing.Revocation(), long_term=False)


def test_an_upload_without_a_timestamp_is_refused_with_instructions(app, db, auth, people):
    """A certificate the portal trusts, no timestamp (Acrobat without a timestamp server):
    nobody could prove later when it was signed, so it is refused and the page says how."""
    auth.login_user(people[0])
    ours = trust.authority()
    petra = ours.issue_signer(pki.SignerName("Petra Jansen", "Bakkerij Jansen B.V.",
                                             "petra@bakkerij.nl"), datetime.now(UTC))
    signed = _sign_elsewhere(_prepared_bytes(auth), petra, ours.chain(petra.cert), None)
    found = validation.inspect(signed, trust.trust_roots()).signatures[0]
    assert found.intact and found.valid and not found.timestamped and found.level == "B-B"
    page = _upload(auth, signed).get_data(as_text=True)
    assert 'id="file-error"' in page and "geen tijdstempel" in page
    assert 'id="tsa-url">http://localhost/pki/tsa<' in page  # where to get one
    assert _counts()[0] == 0


def test_a_timestamped_upload_reads_the_same_in_the_message_the_report_and_the_verify_page(
        app, db, auth, people, tmp_path):
    """Petra signs with her own certificate from an external qualified-like CA (trusted
    through EXTRA_TRUST_ROOTS, OCSP and CRLs fetched from it over HTTP) and a timestamp from
    the portal's timestamp server. The upload message, the stored report and the public
    verify page give one verdict, and it is the one pyHanko's AdES validation gives."""
    with trust_service.serve(tmp_path / "trust") as external:
        app.config["EXTRA_TRUST_ROOTS"] = str(external.root_pem)
        auth.login_user(people[0])
        signed = _sign_elsewhere(_prepared_bytes(auth), external.credential("petra"),
                                 external.chain(), _PortalTimestampServer(auth.client))
        response = _upload(auth, signed)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    # the external service is gone: everything below works from the file alone
    message = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    trusted = "certificaatketen vertrouwd, met bewijs van intrekkingsstatus"
    assert "Uw certificaat: " + trusted in message
    final = auth.client.get("/agreement/signed/1/download").data
    report = validation.inspect(final, trust.trust_roots())
    customer, seal = report.signatures
    assert report.ok, report.to_dict()
    assert customer.level == seal.level == "B-LTA"
    assert customer.issuer == "Externe Gekwalificeerde CA"
    stored = auth.client.get("/agreement/signed/1/report").get_data(as_text=True)
    checked = auth.another().post("/verify", {"file": (io.BytesIO(final), "x.pdf")},
                                  token_from="/verify",
                                  content_type="multipart/form-data").get_data(as_text=True)
    for page in (stored, checked):
        assert page.count(trusted) == 2 and "Beide handtekeningen zijn geldig" in page
    agreement = db.session.scalar(select(SignedAgreement))
    assert agreement.signer_trusted and agreement.trust_note == trusted


def test_the_timestamp_server_answers_rfc3161_requests(app, client):
    digest = hashlib.sha256(b"getekende overeenkomst").digest()
    request = tsp.TimeStampReq({"version": 1, "nonce": 20261201, "cert_req": True,
                                "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                                    "hashed_message": digest}})
    reply = client.post("/pki/tsa", data=request.dump(),
                        content_type="application/timestamp-query")
    answer = tsp.TimeStampResp.load(reply.data)
    assert answer["status"]["status"].native == "granted"
    token = answer["time_stamp_token"]["content"]
    info = token["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native == 20261201
    with app.app_context():
        tsa = trust.authority().tsa.cert.public_bytes(serialization.Encoding.DER)
    assert tsa in [c.chosen.dump() for c in token["certificates"]]
    sha1 = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha1"}, "hashed_message": b"\0" * 20}})
    refused = client.post("/pki/tsa", data=sha1.dump(),
                          content_type="application/timestamp-query")
    assert timestamps_status(refused.data) == ("rejection", {"bad_alg"})
    assert timestamps_status(client.post("/pki/tsa", data=b"not asn.1",
                                         content_type="application/timestamp-query").data) \
        == ("rejection", {"bad_data_format"})
    assert client.post("/pki/tsa", data=request.dump()).status_code == 415


def timestamps_status(der: bytes) -> tuple[str, set]:
    status = tsp.PKIStatusInfo.load(der[2:])  # inside the reply's SEQUENCE: the status
    return status["status"].native, set(status["fail_info"].native or ())


def test_staff_see_who_signed_what(app, db, auth, people):
    owner, _member, admin = people
    customer = auth.another()
    customer.login_user(owner)
    unsigned_org = make_org("Nog Niet B.V.")
    make_revision(unsigned_org)
    auth.login_user(admin)
    before = auth.client.get("/staff/customers?flag=unsigned").get_data(as_text=True)
    assert "Bakkerij Jansen" in before and "Nog Niet" in before
    _sign(customer)
    signed = auth.client.get("/staff/customers?flag=signed").get_data(as_text=True)
    unsigned = auth.client.get("/staff/customers?flag=unsigned").get_data(as_text=True)
    assert "Bakkerij Jansen" in signed and "Nog Niet" not in signed
    assert "Bakkerij Jansen" not in unsigned and "Nog Niet" in unsigned
    org_id = db.session.scalar(select(SignedAgreement.organization_id))
    page = auth.client.get(f"/staff/customers/{org_id}").get_data(as_text=True)
    assert "Petra Jansen" in page and f"/staff/customers/{org_id}/signed/1/download" in page
    download = auth.client.get(f"/staff/customers/{org_id}/signed/1/download")
    assert download.mimetype == "application/pdf"


def test_the_dashboard_tells_whether_the_choices_are_signed(app, db, auth, people):
    auth.login_user(people[0])
    before = auth.client.get("/").get_data(as_text=True)
    assert "nog niet ondertekend" in before and "/agreement/sign" in before
    _sign(auth)
    after = auth.client.get("/").get_data(as_text=True)
    assert "Ondertekend op" in after and "/agreement/signed" in after
    assert "nog niet ondertekend" not in after
    make_revision(db.session.get(Organization, people[0].organization_id),
                  breach_contact=Contact("Nieuwe FG", "fg@example.com", "+31 30 1234567"))
    changed = auth.client.get("/").get_data(as_text=True)
    assert "opnieuw ondertekenen" in changed and "past niet meer" in changed


# --- what you review is what you sign --------------------------------------------------------

def _pages(data: bytes, tmp_path, name: str) -> list[str]:
    path = tmp_path / name
    path.write_bytes(data)
    return [" ".join(page.split()) for page in pdf_text(path).split("\f") if page.strip()]


def _signed_pages_match_the_reviewed(reviewed: list[str], signed: list[str]) -> None:
    """Every page of the reviewed PDF is in the signed one word for word, except that the
    signature page now has the date and the evidence page is filled in."""
    assert len(signed) == len(reviewed)
    *agreement_pages, signature_page, evidence_page = reviewed
    assert signed[:len(agreement_pages)] == agreement_pages
    assert "bij ondertekening" in signature_page and "vult het klantportaal" in evidence_page
    dated, evidence = signed[len(agreement_pages):]
    assert "bij ondertekening" not in dated
    assert dated.split("Datum")[0] == signature_page.split("Datum")[0]
    assert "Bewijsstuk van ondertekening" in evidence and "IP-adres" in evidence


def _announce_for_webhosting(name: str):
    return announcements.announce(
        "add", reason="Extra rekenkracht", actor=Actor(label_override="test"),
        effective_on=utcnow().date() + timedelta(days=40),
        data=subprocessors.SubProcessorData(name, f"{name} B.V.", "Servers", ("webhosting",),
                                            ("NL",)))


def test_the_signed_pdf_says_page_for_page_what_was_reviewed(db, auth, people, tmp_path):
    auth.login_user(people[0])
    prepared_id = _prepared_id(auth.client.get("/agreement/sign").get_data(as_text=True))
    reviewed = auth.client.get(f"/agreement/prepared/{prepared_id}.pdf").data
    _sign(auth)
    signed = auth.client.get("/agreement/signed/1/download").data
    _signed_pages_match_the_reviewed(_pages(reviewed, tmp_path, "reviewed.pdf"),
                                     _pages(signed, tmp_path, "signed.pdf"))


def test_a_subprocessor_change_between_review_and_signing_cannot_slip_in_unseen(
        db, auth, people, tmp_path):
    _announce_for_webhosting("Nieuwe Partij")
    auth.login_user(people[0])
    first_id = _prepared_id(auth.client.get("/agreement/sign").get_data(as_text=True))
    reviewed = auth.client.get(f"/agreement/prepared/{first_id}.pdf").data
    assert "Nieuwe Partij" not in " ".join(_pages(reviewed, tmp_path, "first.pdf"))
    announcements.apply_due(Actor(label_override="test"),
                            today=utcnow().date() + timedelta(days=40))  # it takes effect
    refused = auth.post("/agreement/sign", {"prepared": first_id, "name": "Petra Jansen",
                                            "function": "Directeur", "authority": "y"},
                        token_from="/agreement/sign")
    assert refused.status_code == 302 and refused.headers["Location"] == "/agreement/sign"
    assert _counts()[0] == 0  # nothing signed
    page = auth.client.get("/agreement/sign").get_data(as_text=True)
    assert "de subverwerkers" in page and "Er is niets ondertekend" in page  # told why
    second_id = _prepared_id(page)
    assert second_id != first_id  # a new document to review
    reviewed_again = auth.client.get(f"/agreement/prepared/{second_id}.pdf").data
    assert "Nieuwe Partij" in " ".join(_pages(reviewed_again, tmp_path, "second.pdf"))
    assert _sign(auth).headers["Location"] == "/agreement/signed/1"
    signed = auth.client.get("/agreement/signed/1/download").data
    _signed_pages_match_the_reviewed(_pages(reviewed_again, tmp_path, "second.pdf"),
                                     _pages(signed, tmp_path, "signed.pdf"))


def test_while_nothing_changes_the_same_document_is_offered_again(db, auth, people):
    auth.login_user(people[0])
    first = _prepared_id(auth.client.get("/agreement/sign").get_data(as_text=True))
    again = _prepared_id(auth.client.get("/agreement/sign").get_data(as_text=True))
    assert again == first
    org = db.session.get(Organization, people[0].organization_id)
    org.city = "Amersfoort"  # the customer's details change (staff edit them)
    db.session.commit()
    assert _prepared_id(auth.client.get("/agreement/sign").get_data(as_text=True)) != first
