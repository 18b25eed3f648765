"""A real trust service served by certomancer on 127.0.0.1, for tests: a root, an issuing CA
with OCSP and CRLs, certificates for a person (Petra Jansen) and an organization's seal, and an
RFC 3161 TSA: the shape of a qualified trust service's chain."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertomancerConfig
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server

from portal.documents.pades.pki import Credential

KEYS = ("root", "ca", "tsa", "petra", "seal")
VALID = '{{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2050-01-01T00:00:00+0000"}}'
# A qualified-like chain: root, an issuing CA with its own OCSP responder, end-entity
# certificates under a certificate policy (ETSI EN 319 411-2 QCP-n / QCP-l), and a TSA.
CONFIG = """
external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  trust:
    path-prefix: keys
    keys:
      root: {{path: root.key.pem}}
      ca: {{path: ca.key.pem}}
      tsa: {{path: tsa.key.pem}}
      petra: {{path: petra.key.pem}}
      seal: {{path: seal.key.pem}}
pki-architectures:
  trust:
    keyset: trust
    entity-defaults: {{country-name: NL, organization-name: Externe Vertrouwensdienst}}
    entities:
      root: {{common-name: Externe Root CA}}
      ca: {{common-name: Externe Gekwalificeerde CA}}
      tsa: {{common-name: Externe TSA}}
      petra: {{common-name: Petra Jansen, organization-name: Bakkerij Jansen B.V.}}
      seal: {{common-name: Voxio Internet Services, organization-name: Voxio Internet Services}}
    certs:
      root:
        subject: root
        issuer: root
        serial: 1001
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2060-01-01T00:00:00+0000"}}
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true}}}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      ca:
        issuer: root
        serial: 1002
        validity: """ + VALID + """
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true, path_len_constraint: 0}}}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      tsa:
        issuer: root
        serial: 1003
        validity: """ + VALID + """
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - {{id: extended_key_usage, critical: true, value: [time_stamping]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      petra:
        issuer: ca
        serial: 2001
        validity: """ + VALID + """
        extensions: &end-entity
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [ca]}}}}
          - id: authority_information_access
            smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [ca]}}}}
      seal:
        issuer: ca
        serial: 2002
        validity: """ + VALID + """
        extensions: *end-entity
    services:
      ocsp:
        ca: {{for-issuer: ca, responder-cert: ca, signing-key: ca}}
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P90D"}}
        ca: {{for-issuer: ca, signing-key: ca, simulated-update-schedule: "P7D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
"""


@dataclass(frozen=True)
class TrustService:
    tsa_url: str
    root_pem: Path  # the root to trust (TSA_TRUST_ROOTS, EXTRA_TRUST_ROOTS)
    folder: Path
    arch: object
    animator: Animator | None = None

    def set_clock(self, at: datetime | None) -> None:
        """Let the TSA, the OCSP responder and the CRLs answer as at ``at`` (None: now)."""
        self.animator.fixed_time = at

    def certificate(self, label: str) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.arch.get_cert(label).dump())

    def credential(self, label: str) -> Credential:
        """A certificate and its key, as the holder keeps them (a card, a token, a .p12)."""
        key = serialization.load_pem_private_key(
            (self.folder / "keys" / f"{label}.key.pem").read_bytes(), None)
        return Credential(self.certificate(label), key)

    def chain(self) -> list[x509.Certificate]:
        """What a holder's software sends along: the issuing CA and the root."""
        return [self.certificate("ca"), self.certificate("root")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(folder: Path) -> Iterator[TrustService]:
    keys = folder / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        (keys / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    port = _free_port()
    config_path = folder / "certomancer.yml"
    config_path.write_text(CONFIG.format(port=port))
    config = CertomancerConfig.from_file(str(config_path))
    arch = config.pki_archs["trust"]
    root_pem = folder / "external-root.pem"
    root_pem.write_bytes(_pem(arch.get_cert("root").dump()))
    app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TrustService(f"http://127.0.0.1:{port}/trust/tsa/tsa", root_pem, folder, arch, app)
    finally:
        server.shutdown()
        thread.join(5)


def _pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
