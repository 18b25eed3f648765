"""The portal's signing setup: its own PKI, Voxio's seal, the timestamping authority, trust roots.

The embedded default keeps a small PKI under ``PKI_PATH`` (certificates as PEM, private keys
encrypted with the keyring). Production can point the seal to a PKCS#12 file or a PKCS#11
token and timestamps to an external RFC 3161 TSA; see the SEAL_* and TSA_* settings.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from sqlalchemy import select

from portal.database import upsert_insert
from portal.documents.contract.frozen import Checking
from portal.documents.contract.wording import grouped
from portal.documents.pades import pkcs11, pki, signing, timestamps
from portal.extensions import db
from portal.models import CertificatePurpose, IssuedCertificate, utcnow
from portal.services import audit
from portal.services.context import Actor, cli_actor
from portal.services.encryption import app_keyring
from portal.services.storage import _write_atomic

ROLES = pki.ROLES
_CACHE_KEY = "portal.pki"


class TrustError(RuntimeError):
    """The signing setup is missing or broken (an operator must act)."""


@dataclass(frozen=True)
class Seal:
    signer: signers.Signer
    subject: str
    ours: bool  # issued by the embedded PKI, so we hold its revocation proof


def pki_path() -> Path:
    return Path(current_app.config["PKI_PATH"])


def initialise(actor: Actor, now: datetime | None = None) -> bool:
    """Create the embedded PKI unless it exists; True when it was created.

    Safe when several threads or processes start at once: one of them creates it, under a
    file lock, in a temporary folder that is renamed into place complete.
    """
    folder = pki_path()
    folder.parent.mkdir(parents=True, exist_ok=True)
    created = None
    with _exclusive(folder.parent / ".pki.lock"):  # files only: no database work inside
        if not (folder / "root.crt").exists():
            created = pki.create_authority(current_app.config["PKI_ORGANIZATION"],
                                           current_app.config["PUBLIC_URL"], now or utcnow())
            staging = folder.parent / f".pki-{os.getpid()}-{secrets.token_hex(4)}"
            staging.mkdir()
            ring = app_keyring()
            for name, data in created.to_pem().items():
                if name.endswith(".key"):
                    _write_atomic(staging / f"{name}.enc",
                                  ring.encrypt(data, associated=name.encode()))
                else:
                    _write_atomic(staging / name, data)
            if folder.exists():
                folder.rmdir()  # only ever an empty leftover: a complete PKI has root.crt
            os.rename(staging, folder)
            current_app.extensions.pop(_CACHE_KEY, None)
    _record_authority(created or authority())
    if created is not None:
        audit.record("pki.created", actor=actor, details={
            "root": created.root.cert.subject.rfc4514_string(),
            "seal": created.seal.cert.subject.rfc4514_string(),
            "tsa": created.tsa.cert.subject.rfc4514_string()})
    db.session.commit()
    return created is not None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as handle:
        _thread_lock.acquire()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            _thread_lock.release()


_thread_lock = threading.RLock()


def authority() -> pki.Authority:
    """The embedded PKI (loaded once per process; created on first use outside production)."""
    cached = current_app.extensions.get(_CACHE_KEY)
    if cached is not None:
        return cached
    folder = pki_path()
    if not (folder / "root.crt").exists():
        if current_app.config["PORTAL_ENV"] == "production":
            raise TrustError("no PKI: run `flask pki init` first")
        initialise(cli_actor("system"))
        return authority()
    ring = app_keyring()
    files = {}
    for role in ROLES:
        files[f"{role}.crt"] = (folder / f"{role}.crt").read_bytes()
        name = f"{role}.key"
        files[name] = ring.decrypt((folder / f"{name}.enc").read_bytes(),
                                   associated=name.encode())
    loaded = pki.Authority.from_pem(files, current_app.config["PUBLIC_URL"])
    current_app.extensions[_CACHE_KEY] = loaded
    return loaded


def rotate_keys() -> int:
    """Re-encrypt the PKI's private keys under the current encryption key."""
    ring, changed = app_keyring(), 0
    for role in ROLES:
        name = f"{role}.key"
        path = pki_path() / f"{name}.enc"
        blob = path.read_bytes()
        fresh = ring.rotate(blob, associated=name.encode())
        if fresh is not blob:
            _write_atomic(path, fresh)
            changed += 1
    return changed


def record_issued(cert: x509.Certificate, purpose: CertificatePurpose,
                  organization_id: int | None = None) -> IssuedCertificate:
    row = IssuedCertificate(
        serial=format(cert.serial_number, "x"), issuer=authority().issuer_role(cert),
        subject=cert.subject.rfc4514_string(),
        der=cert.public_bytes(serialization.Encoding.DER), purpose=purpose,
        organization_id=organization_id)
    db.session.add(row)
    return row


def _record_authority(auth: pki.Authority) -> None:
    """Record the CA, seal and TSA certificates (idempotent, also when racing another start)."""
    insert = upsert_insert(db.engine.dialect.name)
    rows = [{"serial": format(cred.cert.serial_number, "x"),
             "issuer": auth.issuer_role(cred.cert), "subject": cred.cert.subject.rfc4514_string(),
             "der": cred.cert.public_bytes(serialization.Encoding.DER), "purpose": purpose,
             "issued_at": utcnow(), "revocation_reason": ""}
            for cred, purpose in ((auth.signing_ca, CertificatePurpose.CA),
                                  (auth.seal, CertificatePurpose.SEAL),
                                  (auth.tsa, CertificatePurpose.TSA))]
    db.session.execute(insert(IssuedCertificate).values(rows)
                       .on_conflict_do_nothing(index_elements=["serial"]))


def _with_revocations() -> pki.Authority:
    revoked: dict[str, list[pki.Revoked]] = {}
    rows = db.session.scalars(select(IssuedCertificate)
                              .where(IssuedCertificate.revoked_at.is_not(None)))
    for row in rows:
        revoked.setdefault(row.issuer, []).append(pki.Revoked(int(row.serial, 16),
                                                              row.revoked_at))
    return dataclasses.replace(authority(), revoked=revoked)


def revocation(certs: Iterable[x509.Certificate], now: datetime) -> signing.Revocation:
    """CRLs and OCSP responses for the certificates our PKI issued."""
    auth = _with_revocations()
    ours = [c for c in certs if _is_ours(auth, c)]
    crls, ocsps = auth.revocation_material(ours, now)
    return signing.Revocation(tuple(crls), tuple(ocsps))


def from_elsewhere(certs: Iterable[x509.Certificate]) -> bool:
    """Whether any of ``certs`` was issued outside the embedded PKI (its own root aside)."""
    auth = authority()
    return any(not _is_ours(auth, c) and c != auth.root.cert for c in certs)


def validation_data(certs: Iterable[x509.Certificate], now: datetime) -> signing.Revocation:
    """CRLs and OCSP answers for any certificates: ours made here, others' fetched from
    their CAs (a customer's own signing certificate, its timestamp authority)."""
    auth = authority()
    elsewhere = [c for c in certs if not _is_ours(auth, c) and c != auth.root.cert]
    fetched = signing.fetch_revocation(elsewhere, trust_roots()) if elsewhere else (
        signing.Revocation())
    return revocation(certs, now) + fetched


def crl(issuer_role: str, now: datetime | None = None) -> bytes:
    return _with_revocations().crl(issuer_role, now or utcnow()).public_bytes(
        serialization.Encoding.DER)


def ocsp(request_der: bytes, now: datetime | None = None) -> bytes:
    auth = _with_revocations()
    lookup = _OcspLookup()
    return auth.ocsp_answer(request_der, now or utcnow(), lookup)


class _OcspLookup:
    """Serial -> certificate, for the certificates our CAs issued."""

    def get(self, serial: int) -> x509.Certificate | None:
        row = db.session.scalar(select(IssuedCertificate)
                                .where(IssuedCertificate.serial == format(serial, "x")))
        return x509.load_der_x509_certificate(row.der) if row else None


def _is_ours(auth: pki.Authority, cert: x509.Certificate) -> bool:
    return cert.issuer in (auth.root.cert.subject, auth.signing_ca.cert.subject) \
        and cert.subject != auth.root.cert.subject


def trust_roots() -> list[x509.Certificate]:
    """Roots we trust for validation: our own, the external TSA's and any configured extra."""
    roots = [authority().root.cert]
    for setting in ("TSA_TRUST_ROOTS", "EXTRA_TRUST_ROOTS"):
        path = current_app.config.get(setting)
        if path:
            roots += x509.load_pem_x509_certificates(Path(path).read_bytes())
    return roots


def grouped_fingerprint(cert: x509.Certificate) -> str:
    """A certificate's SHA-256 fingerprint in groups of eight, as the PDF prints it."""
    return grouped(cert.fingerprint(hashes.SHA256()).hex())


def checking(pki_url: str, upload_url: str = "") -> Checking:
    """What the PDF tells someone holding only the file: which roots to trust, for how long
    a copy's own proof lasts (known for the embedded TSA only), how often it is renewed."""
    roots, seen = [], set()
    for root in trust_roots():
        fingerprint = root.fingerprint(hashes.SHA256()).hex()
        if fingerprint not in seen:
            seen.add(fingerprint)
            name = root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            roots.append((name[0].value if name else root.subject.rfc4514_string(),
                          fingerprint))
    return Checking(pki_url=pki_url, roots=tuple(roots),
                    offline_days=0 if external_tsa() else pki.ROOT_CRL_VALIDITY.days,
                    renew_days=current_app.config["TIMESTAMP_RENEW_DAYS"], upload_url=upload_url)


def timestamper(at: datetime | None = None) -> TimeStamper:
    url = current_app.config.get("TSA_URL")
    if url:
        return timestamps.external(url)
    if at is not None:
        return timestamps.local(authority(), fixed_dt=at)
    return _embedded_tsa()


def _embedded_tsa() -> timestamps.LocalTimeStamper:
    # One per process: pyHanko learns the token size and the TSA's chain once per stamper.
    cached = current_app.extensions.get("portal.tsa")
    if cached is None or cached[0] is not authority():
        cached = (authority(), timestamps.local(authority()))
        current_app.extensions["portal.tsa"] = cached
    return cached[1]


def answer_timestamp_request(request_der: bytes) -> bytes:
    """The embedded TSA's RFC 3161 reply, for signing software set up with our server."""
    return timestamps.answer(_embedded_tsa(), request_der)


def external_tsa() -> bool:
    return bool(current_app.config.get("TSA_URL"))


@contextmanager
def seal() -> Iterator[Seal]:
    """Voxio's seal: a PKCS#11 token, a PKCS#12 file, or the embedded PKI's seal key."""
    cfg = current_app.config
    if cfg.get("SEAL_PKCS11_MODULE"):
        with pkcs11.signer(cfg["SEAL_PKCS11_MODULE"], cfg["SEAL_PKCS11_TOKEN"],
                           cfg["SEAL_PKCS11_KEY"], cfg["SEAL_PKCS11_PIN"],
                           chain=_seal_chain()) as signer:
            yield Seal(signer, _subject(signer), _is_ours(authority(), _cert_of(signer)))
        return
    if cfg.get("SEAL_PKCS12_PATH"):
        password = cfg.get("SEAL_PKCS12_PASSWORD")
        chain = x509.load_pem_x509_certificates(Path(cfg["SEAL_CHAIN"]).read_bytes()) \
            if cfg.get("SEAL_CHAIN") else ()
        signer = signing.pkcs12_signer(Path(cfg["SEAL_PKCS12_PATH"]).read_bytes(),
                                       password.encode() if password else None, chain)
        yield Seal(signer, _subject(signer), _is_ours(authority(), _cert_of(signer)))
        return
    auth = authority()
    signer = signing.credential_signer(auth.seal, auth.chain(auth.seal.cert))
    yield Seal(signer, auth.seal.cert.subject.rfc4514_string(), True)


def certificates_in_use() -> list[x509.Certificate]:
    """The seal's and the timestamp service's certificates as configured, with the CA
    certificates above them that we know of (what the public PKI page lists)."""
    cfg = current_app.config
    auth = authority()
    certs: list[x509.Certificate] = []
    if cfg.get("SEAL_PKCS12_PATH"):
        password = cfg.get("SEAL_PKCS12_PASSWORD")
        _key, cert, extra = pkcs12.load_key_and_certificates(
            Path(cfg["SEAL_PKCS12_PATH"]).read_bytes(), password.encode() if password else None)
        certs += [cert, *(extra or ())]
    if cfg.get("SEAL_CHAIN"):
        certs += x509.load_pem_x509_certificates(Path(cfg["SEAL_CHAIN"]).read_bytes())
    if not (cfg.get("SEAL_PKCS12_PATH") or cfg.get("SEAL_PKCS11_MODULE")):
        certs.append(auth.seal.cert)
    if external_tsa():
        if cfg.get("TSA_TRUST_ROOTS"):
            certs += x509.load_pem_x509_certificates(Path(cfg["TSA_TRUST_ROOTS"]).read_bytes())
    else:
        certs.append(auth.tsa.cert)
    unique: list[x509.Certificate] = []
    for cert in certs:
        if cert not in unique:
            unique.append(cert)
    return unique


def _seal_chain() -> list[x509.Certificate]:
    """Certificates above a token's seal: SEAL_CHAIN (PEM), else our own CAs."""
    path = current_app.config.get("SEAL_CHAIN")
    if path:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    auth = authority()
    return [auth.signing_ca.cert, auth.root.cert]


def _cert_of(signer: signers.Signer) -> x509.Certificate:
    return x509.load_der_x509_certificate(signer.signing_cert.dump())


def _subject(signer: signers.Signer) -> str:
    return _cert_of(signer).subject.rfc4514_string()
