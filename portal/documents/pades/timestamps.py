"""RFC 3161 timestamps: the portal's own in-process TSA, or an external one by URL."""

from __future__ import annotations

import hashlib
from datetime import datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .pki import Authority, Credential

# Our TSA policy: an OID under the UUID arc (ITU-T X.667), so it can never clash with another's.
TSA_POLICY = "2.25.190829348721340196447160386452187716623"


class LocalTimeStamper(DummyTimeStamper):
    """A TSA inside the portal that keeps its key loaded and signs with ECDSA or RSA.

    pyHanko's DummyTimeStamper re-parses the key on every token and signs RSA only; a TSA
    answers every signature, so we keep the parsed key.
    """

    def __init__(self, tsa: Credential, chain: list, fixed_dt: datetime | None = None):
        super().__init__(tsa_cert=_asn1_cert(tsa.cert), tsa_key=None,
                         certs_to_embed=[_asn1_cert(c) for c in chain], fixed_dt=fixed_dt)
        self._key = tsa.key
        self._signing_certificate = None

    def _build_tst_info(self, message_imprint, dt, req) -> tsp.TSTInfo:
        info = super()._build_tst_info(message_imprint, dt, req)
        info["policy"] = tsp.ObjectIdentifier(TSA_POLICY)
        return info

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        # Build the signed attributes exactly as pyHanko does, then sign with our loaded key.
        encoded = _signed_attrs(self, tst_info_data, md_algorithm, dt).dump()
        digest = get_pyca_cryptography_hash(md_algorithm.upper())
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            signature = self._key.sign(encoded, ec.ECDSA(digest))
        else:
            signature = self._key.sign(encoded, PKCS1v15(), digest)
        # asn1crypto re-encodes a structure built from values on every dump; a parsed one
        # keeps its bytes
        return signature, cms.CMSAttributes.load(encoded)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        response = await super().async_request_tsa_response(req)
        return tsp.TimeStampResp.load(response.dump())  # encoded once, not at every use

    def _build_signed_data(self, tst_info_data, md_algorithm, signature, signed_attrs) -> dict:
        data = super()._build_signed_data(tst_info_data, md_algorithm, signature, signed_attrs)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            info = data["signer_infos"][0]
            info["signature_algorithm"] = algos.SignedDigestAlgorithm(
                {"algorithm": f"{md_algorithm}_ecdsa"})
        return data


def _signed_attrs(stamper: LocalTimeStamper, tst_info_data: bytes, md_algorithm: str,
                  dt: datetime) -> cms.CMSAttributes:
    if stamper._signing_certificate is None:  # the same for every token: build it once
        stamper._signing_certificate = cms.CMSAttribute.load(simple_cms_attribute(
            "signing_certificate", general.as_signing_certificate(stamper.tsa_cert)).dump())
    md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
    md.update(tst_info_data)
    return cms.CMSAttributes([
        simple_cms_attribute("content_type", "tst_info"),
        simple_cms_attribute("signing_time", cms.Time({"utc_time": cms.UTCTime(dt)})),
        stamper._signing_certificate,
        simple_cms_attribute("message_digest", md.finalize()),
    ])


def local(authority: Authority, fixed_dt: datetime | None = None) -> TimeStamper:
    """The portal's own TSA (the embedded default)."""
    return LocalTimeStamper(authority.tsa, authority.chain(authority.tsa.cert), fixed_dt)


# Digests a request may name: what RFC 3161 clients send today (SHA-1 is refused).
REQUEST_DIGESTS = ("sha256", "sha384", "sha512")


def answer(stamper: LocalTimeStamper, request_der: bytes) -> bytes:
    """An RFC 3161 reply (DER) to a DER TimeStampReq: a token, or a rejection saying why.

    What signing software such as Acrobat asks of a timestamp server it was configured with.
    """
    try:
        req = tsp.TimeStampReq.load(request_der)
        imprint = req["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        policy, extensions = req["req_policy"].native, req["extensions"].native
    except (ValueError, TypeError, KeyError):
        return _rejection("bad_data_format")
    if algorithm not in REQUEST_DIGESTS or len(digest) != hashlib.new(algorithm).digest_size:
        return _rejection("bad_alg")
    if policy not in (None, TSA_POLICY):
        return _rejection("unaccepted_policy")
    if extensions:
        return _rejection("unaccepted_extensions")
    # synchronous: also callable where an event loop runs (a signing tool's, a test's)
    return stamper.request_tsa_response(req).dump()


class _Rejection(core.Sequence):
    # RFC 3161 makes the token optional; asn1crypto's TimeStampResp requires it
    _fields = [("status", tsp.PKIStatusInfo)]


def _rejection(reason: str) -> bytes:
    return _Rejection({"status": {"status": "rejection",
                                  "fail_info": tsp.PKIFailureInfo({reason})}}).dump()


def external(url: str, timeout: int = 10) -> TimeStamper:
    """An RFC 3161 TSA reached over HTTP (production)."""
    return HTTPTimeStamper(url, timeout=timeout)


def _asn1_cert(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
