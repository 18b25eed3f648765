"""PAdES signatures with pyHanko (ETSI EN 319 142-1): one signature per revision, at B-B, B-T,
B-LT or B-LTA, and archive-timestamp renewals that keep a B-LTA file valid for years.

A later signature may carry an earlier one's validation data (certificates, CRLs, OCSP
answers) in its own revision's document security store, so two signatures reach B-LTA with
one revision less than signing the first at B-LT. Renewals add a fresh archive timestamp
before the last one's proof goes stale (ETSI EN 319 102-1, long-term validation).

pyHanko's synchronous calls run their own event loop: never call these from inside one.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PdfSignatureMetadata,
    PdfSigner,
    PdfTimeStamper,
    SigDSSPlacementPreference,
)
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import speedups
from .pki import Credential

log = logging.getLogger(__name__)

# Room for the CMS blob in hex digits. Reserving it up front spares pyHanko a dummy signing run
# to measure the size. Our P-256 chains need about 3,900 bytes (7,800 digits); certificates
# from elsewhere (RSA chains, an external TSA) get the roomy size.
SIGNATURE_BYTES = 12_000
ROOMY_SIGNATURE_BYTES = 32_768

class SigningError(RuntimeError):
    """Signing failed (bad key, unreachable TSA, invalid chain...)."""


@dataclass(frozen=True)
class Revocation:
    """CRLs and OCSP responses (DER) to embed, so validation never needs the network."""

    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()

    def __add__(self, other: Revocation) -> Revocation:
        return Revocation(self.crls + other.crls, self.ocsps + other.ocsps)


def asn1_cert(cert: x509.Certificate | bytes) -> asn1_x509.Certificate:
    der = cert if isinstance(cert, bytes) else cert.public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def credential_signer(credential: Credential,
                      chain: Iterable[x509.Certificate]) -> signers.Signer:
    """A pyHanko signer for a key we hold in memory."""
    key_der = credential.key.private_bytes(serialization.Encoding.DER,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
    return signers.SimpleSigner(
        signing_cert=asn1_cert(credential.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(c) for c in chain]))


def pkcs12_signer(data: bytes, passphrase: bytes | None,
                  chain: Iterable[x509.Certificate] = ()) -> signers.Signer:
    """A pyHanko signer from a PKCS#12 file (an organization's seal, say); ``chain`` adds the
    CA certificates a file without them leaves out."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as error:
        raise SigningError(f"cannot read the PKCS#12 seal: {error}") from error
    if key is None or cert is None:
        raise SigningError("the PKCS#12 file holds no key and certificate")
    return credential_signer(Credential(cert, key), [*(extra or ()), *chain])


@speedups.gc_paused
def sign(pdf: bytes, signer: signers.Signer, *, field_name: str, name: str, reason: str,
         location: str, timestamper: TimeStamper | None,
         trust_roots: Iterable[x509.Certificate], revocation: Revocation,
         archive: bool = False, allow_fetching: bool = False, contact_info: str | None = None,
         long_term: bool = True, compact: bool = True,
         earlier_certs: Iterable[x509.Certificate] = ()) -> bytes:
    """Add one signature as a new revision: B-LT, or B-LTA when ``archive`` is set.

    ``long_term=False`` leaves out the validation data (B-T, or B-B without a timestamper),
    as a signing tool like Acrobat does by default. ``earlier_certs``: the certificates an
    earlier signature in the file needs, stored with ``revocation`` in this revision's DSS.
    """
    context = ValidationContext(trust_roots=[asn1_cert(c) for c in trust_roots],
                                crls=list(revocation.crls), ocsps=list(revocation.ocsps),
                                allow_fetching=allow_fetching) if long_term else None
    meta = PdfSignatureMetadata(
        field_name=field_name, name=name, reason=reason, location=location,
        contact_info=contact_info, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term, use_pades_lta=archive,
        validation_context=context,
        # validation data in the signature's own revision (and the TSA's in the document
        # timestamp's), not in revisions of their own: fewer revisions to write and to
        # analyse on every validation. VRI entries are optional in PAdES and need the
        # signature to exist first, so they go.
        dss_settings=DSSContentSettings(
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    earlier = [asn1_cert(c) for c in earlier_certs]
    if earlier:
        DocumentSecurityStore.supply_dss_in_writer(
            writer, None, certs=earlier, crls=[asn1_crl.CertificateList.load(c)
                                               for c in revocation.crls],
            ocsps=[asn1_ocsp.OCSPResponse.load(o) for o in revocation.ocsps])
    try:
        out = _PdfSigner(meta, signer, timestamper=timestamper).sign_pdf(
            writer, bytes_reserved=SIGNATURE_BYTES if compact else ROOMY_SIGNATURE_BYTES)
    except Exception as error:
        raise SigningError(f"signing as {field_name} failed: {error}") from error
    return out.getvalue()


class _PdfSigner(PdfSigner):
    """pyHanko's signer, declaring no more than the file's own PDF version can hold.

    For an ECDSA signature pyHanko registers ISO/TS 32002's extension, which extends PDF 2.0,
    and so raises the catalog's /Version to 2.0. A PDF/A-3 file is PDF 1.7 (ISO 19005-3 is
    based on ISO 32000-1), and there a PAdES signature is declared with the ESIC extension
    (ETSI EN 319 142-1, 5.1), under which CAdES signatures with ECDSA are PAdES signatures
    (ETSI TS 119 312 lists the algorithms). So a file below PDF 2.0 gets only that one and
    stays at its version; docs/PDF-CONFORMANCE.md says how this was checked.
    """

    def register_extensions(self, pdf_out, *, md_algorithm: str) -> None:
        if pdf_out.output_version >= (2, 0):
            super().register_extensions(pdf_out, md_algorithm=md_algorithm)
        elif self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
            pdf_out.register_extension(constants.ESIC_EXTENSION_1)


@speedups.gc_paused
def renew(pdf: bytes, timestamper: TimeStamper, *, trust_roots: Iterable[x509.Certificate],
          revocation: Revocation, at: datetime | None = None,
          allow_fetching: bool = False) -> bytes:
    """Add a fresh archive timestamp over the document and its newest validation data."""
    context = ValidationContext(trust_roots=[asn1_cert(c) for c in trust_roots],
                                crls=list(revocation.crls), ocsps=list(revocation.ocsps),
                                allow_fetching=allow_fetching, moment=at)
    buffer = io.BytesIO(pdf)
    try:
        PdfTimeStamper(timestamper).update_archival_timestamp_chain(
            PdfFileReader(buffer, strict=False), context, in_place=True)
    except Exception as error:
        raise SigningError(f"renewing the archive timestamp failed: {error}") from error
    return buffer.getvalue()


def signer_chain(signer: signers.Signer) -> list[x509.Certificate]:
    """The signer's certificate and the chain it carries."""
    certs = [signer.signing_cert, *(signer.cert_registry or ())]
    return [x509.load_der_x509_certificate(c.dump()) for c in certs]


def fetch_revocation(certs: Iterable[x509.Certificate], trust_roots: Iterable[x509.Certificate],
                     timeout: float = 10) -> Revocation:
    """CRLs and OCSP answers for the chains of ``certs`` (certificates from other CAs, such as
    a customer's), fetched from the addresses the certificates name.

    What cannot be fetched or chained to ``trust_roots`` is left out: a validation then says
    the certificate could not be confirmed, which is the truth.
    """
    certs = [asn1_cert(c) for c in certs]
    context = ValidationContext(
        trust_roots=[asn1_cert(c) for c in trust_roots], other_certs=certs, allow_fetching=True,
        revocation_mode="require",  # the softer modes skip fetching what they could do without
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=timeout))

    async def gather() -> None:
        for cert in certs:
            if cert.self_issued:  # a root: nothing above it to ask
                continue
            try:
                await CertificateValidator(cert, validation_context=context).async_validate_usage(
                    set())
            except (PathBuildingError, PathValidationError) as error:
                log.info("no validation data for %s: %s", cert.subject.human_friendly, error)

    asyncio.run(gather())
    return Revocation(tuple(c.dump() for c in context.crls),
                      tuple(o.dump() for o in context.ocsps))
