"""A signer whose key never leaves a PKCS#11 token: an HSM, a smart card, SoftHSM2.

Apart from the rest of the engine because it needs python-pkcs11 (a C extension), which only
installations with a token use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from cryptography import x509
from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.pkcs11 import PKCS11SigningContext

from .signing import SigningError, asn1_cert


@contextmanager
def signer(module: str, token_label: str, key_label: str, pin: str,
                  cert_label: str | None = None,
                  chain: Iterable[x509.Certificate] = ()) -> Iterator[signers.Signer]:
    """A pyHanko signer whose key stays on a PKCS#11 token (HSM, smart card, SoftHSM2)."""
    config = PKCS11SignatureConfig(module_path=module,
                                   token_criteria=TokenCriteria(label=token_label),
                                   key_label=key_label, cert_label=cert_label or key_label,
                                   user_pin=pin, other_certs_to_pull=(),
                                   other_certs=[asn1_cert(c) for c in chain],
                                   # hash here, sign raw on the token: every token has raw
                                   # ECDSA/RSA, not every token has the combined mechanisms
                                   raw_mechanism=True)
    try:
        with PKCS11SigningContext(config) as signer:
            yield signer
    except SigningError:
        raise
    except Exception as error:  # pkcs11 raises its own exception family
        raise SigningError(f"PKCS#11 token unavailable: {error}") from error
