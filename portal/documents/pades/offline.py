"""How long a signed file can be checked offline, with nothing but the file and the root.

A long-term validation (PAdES B-LTA) checks the signatures as of the latest document
timestamp, and that timestamp as of today: its certificate chain needs revocation proof that
is still fresh today. The file carries that proof (CRLs, OCSP answers) in its DSS; once the
last of it passes its ``nextUpdate``, an offline check can no longer confirm the timestamp,
and a copy with a newer timestamp (or an online check) is needed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

log = logging.getLogger(__name__)


# Results worked out from a reader that was open anyway (the ceremony's own check), by the
# file's SHA-256, each taken once by :func:`remembered`: the result depends on the bytes alone.
_REMEMBERED: dict[bytes, datetime | None] = {}


def remember(pdf: bytes, reader: PdfFileReader) -> None:
    """Work out :func:`offline_until` for ``pdf`` with ``reader``, already open on it, for
    :func:`remembered` to answer without parsing the file again."""
    if len(_REMEMBERED) >= 16:  # checked files nobody asked about: stay bounded
        _REMEMBERED.clear()
    _REMEMBERED[hashlib.sha256(pdf).digest()] = offline_until(reader)


def remembered(pdf: bytes, open_pdf: Callable[[bytes], PdfFileReader]) -> datetime | None:
    """:func:`offline_until` of ``pdf``: as :func:`remember` worked it out, or read now."""
    try:
        return _REMEMBERED.pop(hashlib.sha256(pdf).digest())
    except KeyError:
        return offline_until(open_pdf(pdf))


def offline_until(reader: PdfFileReader) -> datetime | None:
    """Until when the file's own revocation proof covers its latest timestamp's chain.

    ``None`` when the file has no timestamp or no proof for some certificate in that chain
    (then an offline check cannot confirm it at all), or when that part of it is unreadable.
    """
    try:
        return _offline_until(reader)
    except Exception as error:  # untrusted bytes: any parse failure means "cannot tell"
        log.info("offline validity unknown: %s", error)
        return None


def _offline_until(reader: PdfFileReader) -> datetime | None:
    token = _latest_timestamp(reader)
    if token is None:
        return None
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None
    certs = [_cert(choice) for choice in token["certificates"] or ()
             if choice.name == "certificate"] + list(dss.load_certs())
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    answers = [asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps]
    chain = _chain(_signer(token, certs), certs)
    if not chain:
        return None
    until = None
    for cert in chain:
        covered = [_crl_until(crl, cert) for crl in crls] + [_ocsp_until(a, cert) for a in answers]
        covered = [moment for moment in covered if moment is not None]
        if not covered:
            return None
        until = min(until or max(covered), max(covered))
    return until


def _latest_timestamp(reader: PdfFileReader):
    """The signed data of the newest timestamp: the last document timestamp, or else the
    newest signature's own timestamp token."""
    stamps = list(reader.embedded_timestamp_signatures)
    if stamps:
        return stamps[-1].signed_data
    signatures = list(reader.embedded_regular_signatures)
    for emb in reversed(signatures):
        tokens = list(extract_tst_data_iter(emb.signer_info, signed=False))
        if tokens:
            return tokens[-1]
    return None


def _cert(choice) -> asn1_x509.Certificate:
    return choice.chosen


def _signer(signed_data, certs: list[asn1_x509.Certificate]) -> asn1_x509.Certificate | None:
    sid = signed_data["signer_infos"][0]["sid"]
    if sid.name == "issuer_and_serial_number":
        issuer, serial = sid.chosen["issuer"], sid.chosen["serial_number"].native
        return next((c for c in certs if c.issuer == issuer and c.serial_number == serial), None)
    return next((c for c in certs if c.key_identifier == sid.chosen.native), None)


def _chain(leaf, certs: list[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    """``leaf`` and its issuers below the self-signed root (which needs no revocation proof);
    empty when the chain is broken."""
    chain, cert = [], leaf
    while cert is not None and not cert.self_issued and len(chain) < 10:
        chain.append(cert)
        cert = next((c for c in certs if c.subject == cert.issuer), None)
    return chain if cert is not None else []


def _crl_until(crl: asn1_crl.CertificateList, cert) -> datetime | None:
    tbs = crl["tbs_cert_list"]
    if tbs["issuer"] != cert.issuer:
        return None
    return tbs["next_update"].native


def _ocsp_until(answer: asn1_ocsp.OCSPResponse, cert) -> datetime | None:
    if answer["response_status"].native != "successful":
        return None
    data = answer.basic_ocsp_response["tbs_response_data"]
    for single in data["responses"]:
        cert_id = single["cert_id"]
        algorithm = cert_id["hash_algorithm"]["algorithm"].native
        name_hash = hashlib.new(algorithm, cert.issuer.dump()).digest()
        if (cert_id["serial_number"].native == cert.serial_number
                and cert_id["issuer_name_hash"].native == name_hash
                and single["cert_status"].name == "good"):
            return single["next_update"].native
    return None
