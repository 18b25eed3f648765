"""A small embedded PKI: a root CA, a signing CA, an organization's seal and a timestamping unit.

Everything here works on `cryptography` objects and bytes. The authority issues one-shot
certificates for customer signatories, and CRLs and OCSP responses for its own certificates,
so every signature can carry its revocation proof (PAdES B-LT/B-LTA) without any server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# How long revocation proofs stay fresh. Days, not minutes: a validator asks whether the proof
# was fresh when a later timestamp vouched for it, and renewals run against these windows.
CRL_VALIDITY = timedelta(days=7)
OCSP_VALIDITY = timedelta(days=7)
ROOT_CRL_VALIDITY = timedelta(days=365)

ROOT_YEARS, CA_YEARS, SEAL_YEARS, TSA_YEARS = 25, 15, 5, 10
SIGNER_VALIDITY = timedelta(days=3 * 365)  # outlives the key, which is discarded at once
BACKDATE = timedelta(minutes=5)  # tolerate clock skew between portal and validators

ROLES = ("root", "signing_ca", "seal", "tsa")


@dataclass(frozen=True)
class Credential:
    """A certificate and, when we hold it, its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        if self.key is None:
            raise ValueError("no private key for this certificate")
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


@dataclass(frozen=True)
class SignerName:
    """Who a one-shot certificate names: the signatory, for an organization."""

    common_name: str
    organization: str
    email: str
    country: str = "NL"
    title: str = ""


@dataclass(frozen=True)
class Revoked:
    serial: int
    when: datetime


@dataclass
class Authority:
    """The four credentials, and where the portal publishes CRLs and OCSP answers."""

    root: Credential
    signing_ca: Credential
    seal: Credential
    tsa: Credential
    base_url: str
    revoked: dict[str, list[Revoked]] = field(default_factory=dict)  # by issuer: root/signing_ca

    # --- issuing ------------------------------------------------------------------------

    def issue_signer(self, name: SignerName, now: datetime) -> Credential:
        """A fresh ECDSA P-256 key and certificate for one signature; discard the key after."""
        key = ec.generate_private_key(ec.SECP256R1())
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, name.country),
                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, _bounded(name.organization)),
                 x509.NameAttribute(NameOID.COMMON_NAME, _bounded(name.common_name)),
                 x509.NameAttribute(NameOID.EMAIL_ADDRESS, name.email)]
        if name.title:
            attrs.insert(2, x509.NameAttribute(NameOID.TITLE, _bounded(name.title)))
        builder = _leaf_builder(x509.Name(attrs), key, self.signing_ca, now, SIGNER_VALIDITY,
                                self._urls("signing_ca"))
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.RFC822Name(name.email)]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        cert = builder.sign(self.signing_ca.key, hashes.SHA256())
        return Credential(cert, key)

    def chain(self, leaf: x509.Certificate) -> list[x509.Certificate]:
        """The certificates above ``leaf``, nearest first, root last."""
        issuer = self.issuer_of(leaf)
        if issuer is self.root:
            return [self.root.cert]
        return [self.signing_ca.cert, self.root.cert]

    def issuer_of(self, cert: x509.Certificate) -> Credential:
        for cred in (self.signing_ca, self.root):
            if cert.issuer == cred.cert.subject:
                return cred
        raise ValueError("certificate not issued by this authority")

    def issuer_role(self, cert: x509.Certificate) -> str:
        return "root" if self.issuer_of(cert) is self.root else "signing_ca"

    # --- revocation ---------------------------------------------------------------------

    def crl(self, issuer_role: str, now: datetime) -> x509.CertificateRevocationList:
        """A CRL for the certificates ``issuer_role`` issued, valid from ``now``."""
        issuer = self._credential(issuer_role)
        validity = ROOT_CRL_VALIDITY if issuer_role == "root" else CRL_VALIDITY
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(issuer.cert.subject)
                   .last_update(now - BACKDATE)
                   .next_update(now - BACKDATE + validity)
                   .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       issuer.key.public_key()), critical=False))
        for entry in self.revoked.get(issuer_role, ()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(entry.serial)
                .revocation_date(entry.when).build())
        return builder.sign(issuer.key, hashes.SHA256())

    def ocsp_response(self, cert: x509.Certificate, now: datetime) -> bytes:
        """A signed OCSP answer (DER) about ``cert``, from its issuing CA."""
        issuer = self.issuer_of(cert)
        role = self.issuer_role(cert)
        revoked = next((r for r in self.revoked.get(role, ())
                        if r.serial == cert.serial_number), None)
        status = ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD
        response = (ocsp.OCSPResponseBuilder()
                    .add_response(cert=cert, issuer=issuer.cert, algorithm=hashes.SHA256(),
                                  cert_status=status, this_update=now - BACKDATE,
                                  next_update=now + OCSP_VALIDITY,
                                  revocation_time=revoked.when if revoked else None,
                                  revocation_reason=None)
                    .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
                    .sign(issuer.key, hashes.SHA256()))
        return response.public_bytes(serialization.Encoding.DER)

    def ocsp_answer(self, request_der: bytes, now: datetime,
                    lookup: Mapping[int, x509.Certificate]) -> bytes:
        """Answer an OCSP request for a certificate we issued (``lookup`` by serial)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
                    serialization.Encoding.DER)
        cert = lookup.get(request.serial_number)
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
        return self.ocsp_response(cert, now)

    def revocation_material(self, certs: Iterable[x509.Certificate],
                            now: datetime) -> tuple[list[bytes], list[bytes]]:
        """CRLs and OCSP responses (DER) covering every certificate in ``certs`` but the root."""
        crls, ocsps, roles = [], [], set()
        for cert in certs:
            if cert.subject == self.root.cert.subject:
                continue
            roles.add(self.issuer_role(cert))
            ocsps.append(self.ocsp_response(cert, now))
        for role in sorted(roles):
            crls.append(self.crl(role, now).public_bytes(serialization.Encoding.DER))
        return crls, ocsps

    # --- storage ------------------------------------------------------------------------

    def to_pem(self) -> dict[str, bytes]:
        """Certificates and keys as PEM, keys unencrypted: the caller encrypts them at rest."""
        files = {}
        for role in ROLES:
            cred = self._credential(role)
            files[f"{role}.crt"] = cred.pem
            files[f"{role}.key"] = cred.key_pem()
        return files

    @classmethod
    def from_pem(cls, files: Mapping[str, bytes], base_url: str) -> Authority:
        creds = {}
        for role in ROLES:
            cert = x509.load_pem_x509_certificate(files[f"{role}.crt"])
            key = serialization.load_pem_private_key(files[f"{role}.key"], password=None)
            creds[role] = Credential(cert, key)
        return cls(base_url=base_url, **creds)

    def _credential(self, role: str) -> Credential:
        if role not in ROLES:
            raise ValueError(role)
        return getattr(self, role)

    def _urls(self, issuer_role: str) -> tuple[str, str, str]:
        base = self.base_url.rstrip("/")
        return (f"{base}/pki/{issuer_role}.crl", f"{base}/pki/ocsp",
                f"{base}/pki/{issuer_role}.crt")


def create_authority(organization: str, base_url: str, now: datetime) -> Authority:
    """A new root CA, signing CA, seal and TSA certificate, each with its own key."""

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                          x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = name(f"{organization} Root CA")
    root_cert = (_base_builder(root_name, root_name, root_key.public_key(), now,
                               timedelta(days=ROOT_YEARS * 365))
                 .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
                 .add_extension(_ca_usage(), critical=True)
                 .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                                critical=False)
                 .sign(root_key, hashes.SHA256()))
    root = Credential(root_cert, root_key)
    authority = Authority(root=root, signing_ca=root, seal=root, tsa=root, base_url=base_url)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (_base_builder(name(f"{organization} Signing CA"), root_name, ca_key.public_key(),
                             now, timedelta(days=CA_YEARS * 365))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_ca_usage(), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   root_key.public_key()), critical=False))
    ca_cert = _with_urls(ca_cert, authority._urls("root")).sign(root_key, hashes.SHA256())
    authority.signing_ca = Credential(ca_cert, ca_key)

    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal_cert = _leaf_builder(name(f"{organization} Seal"), seal_key, authority.signing_ca, now,
                              timedelta(days=SEAL_YEARS * 365), authority._urls("signing_ca"))
    authority.seal = Credential(seal_cert.sign(ca_key, hashes.SHA256()), seal_key)

    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa_cert = (_leaf_builder(name(f"{organization} Timestamping Unit"), tsa_key, root, now,
                              timedelta(days=TSA_YEARS * 365), authority._urls("root"))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                               critical=True))
    authority.tsa = Credential(tsa_cert.sign(root_key, hashes.SHA256()), tsa_key)
    return authority


def _base_builder(subject: x509.Name, issuer: x509.Name, public_key, now: datetime,
                  validity: timedelta) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(secrets.randbits(126) + 1)  # random: nothing to learn from serials
            .not_valid_before(now - BACKDATE).not_valid_after(now + validity))


def _leaf_builder(subject: x509.Name, key, issuer: Credential, now: datetime,
                  validity: timedelta, urls: tuple[str, str, str]) -> x509.CertificateBuilder:
    builder = (_base_builder(subject, issuer.cert.subject, key.public_key(), now, validity)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer.key.public_key()), critical=False))
    return _with_urls(builder, urls)


def _with_urls(builder: x509.CertificateBuilder,
               urls: tuple[str, str, str]) -> x509.CertificateBuilder:
    crl_url, ocsp_url, issuer_url = urls
    return (builder
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
                reasons=None, crl_issuer=None)]), critical=False)
            .add_extension(x509.AuthorityInformationAccess([
                x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP,
                                       x509.UniformResourceIdentifier(ocsp_url)),
                x509.AccessDescription(x509.AuthorityInformationAccessOID.CA_ISSUERS,
                                       x509.UniformResourceIdentifier(issuer_url))]),
                critical=False))


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                         decipher_only=False)


def _bounded(value: str, limit: int = 64) -> str:
    """At most the RFC 5280 upper bound (ub-common-name, ub-organization-name, ub-title: 64).

    The agreement, its signature page and the evidence keep the full name; only the
    certificate's copy is cut, so a long name never stops the signing.
    """
    return value[:limit]
