"""The agreement's two signatures: the customer's (B-T), then Voxio's seal at PAdES B-LTA.

The customer signs with a signature timestamp. Voxio's seal revision then carries the
customer's validation data in the document security store, its own after it, and a document
timestamp over everything: both signatures end at B-LTA (ETSI EN 319 142-1).
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper

from ..pades import signing
from ..pades.signing import Revocation
from ..pades.validation import open_pdf
from .document import CUSTOMER, PROVIDER

# Each signature's field is named after the party that signs in it.
CUSTOMER_FIELD, PROVIDER_FIELD = CUSTOMER, PROVIDER
CUSTOMER_REASON = "Akkoord met de verwerkersovereenkomst"
PROVIDER_REASON = "Ondertekend door Verwerker"
LOCATION = "Nederland"


def customer_field(position: int) -> str:
    """The field of the customer's ``position``-th signatory (1: the only one, or the first)."""
    return CUSTOMER_FIELD if position == 1 else f"{CUSTOMER_FIELD} {position}"


def sign_as_customer(pdf: bytes, signer: signers.Signer, *, name: str,
                     timestamper: TimeStamper | None, trust_roots: Iterable[x509.Certificate],
                     revocation: Revocation, allow_fetching: bool = False,
                     compact: bool = True, position: int = 1) -> bytes:
    """The customer's signature with a signature timestamp (B-T); the seal adds the rest.
    Several signatories sign in turn, each in a revision of its own (``position``)."""
    return signing.sign(pdf, signer, field_name=customer_field(position), name=name,
                reason=CUSTOMER_REASON,
                location=LOCATION, timestamper=timestamper, trust_roots=trust_roots,
                revocation=revocation, allow_fetching=allow_fetching, long_term=False,
                compact=compact)


def countersign(pdf: bytes, seal: signers.Signer, *, provider_name: str,
                timestamper: TimeStamper, trust_roots: Iterable[x509.Certificate],
                revocation: Revocation, allow_fetching: bool = False, compact: bool = True,
                earlier_certs: Iterable[x509.Certificate] = ()) -> bytes:
    """Voxio's seal over a customer-signed PDF, at PAdES B-LTA; ``earlier_certs`` are the
    customer's chain, whose validation data goes into the seal's revision."""
    return signing.sign(pdf, seal, field_name=PROVIDER_FIELD, name=provider_name,
                reason=PROVIDER_REASON, location=LOCATION, timestamper=timestamper,
                trust_roots=trust_roots, revocation=revocation, archive=True,
                allow_fetching=allow_fetching, compact=compact, earlier_certs=earlier_certs)


def signer_certificates(pdf: bytes) -> list[x509.Certificate]:
    """The certificates of the file's signatures so far, in order (not its timestamps')."""
    return [x509.load_der_x509_certificate(emb.signer_cert.dump())
            for emb in open_pdf(pdf).embedded_regular_signatures]


def sign_agreement(pdf: bytes, *, customer: signers.Signer, customer_name: str,
                   seal: signers.Signer, provider_name: str, timestamper: TimeStamper,
                   trust_roots: Iterable[x509.Certificate], revocation: Revocation) -> bytes:
    """Both signatures at once: the customer's, then the seal; both end at B-LTA."""
    signed = sign_as_customer(pdf, customer, name=customer_name, timestamper=timestamper,
                              trust_roots=trust_roots, revocation=revocation)
    return countersign(signed, seal, provider_name=provider_name, timestamper=timestamper,
                       trust_roots=trust_roots, revocation=revocation,
                       earlier_certs=signing.signer_chain(customer))
