"""What a signed PDF proves: per signature and timestamp, who, when, intact, trusted, PAdES level.

Works on untrusted bytes (the public verify page), so every failure becomes a plain result or
:class:`NotAPdf`, never an exception from deep inside pyHanko. Validation never fetches
anything: trust roots and the revocation data embedded in the file are all it uses.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import extract_certificate_info, extract_signer_info
from pyhanko.sign.validation import ades, async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter, validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from . import offline, speedups
from .signing import asn1_cert

log = logging.getLogger(__name__)

PASSED = "passed"
INDETERMINATE = "indeterminate"
FAILED = "failed"


class NotAPdf(ValueError):
    """The bytes are not a readable PDF."""


@dataclass(frozen=True)
class SignatureCheck:
    """One signature or document timestamp, as a reader of the report needs it."""

    field: str
    kind: str  # "signature" or "timestamp"
    signer: str
    organization: str
    email: str
    issuer: str
    signing_time: datetime | None  # what the signer's clock claimed
    timestamp: datetime | None  # what a timestamping authority vouches for
    timestamped: bool  # the signature carries its own timestamp token (PAdES B-T and up)
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature is correct
    trusted: bool  # the certificate chains to a root we trust, with revocation proof
    coverage: str  # "file", "revision" (later additions allowed) or "partial"
    later_changes: str  # "none", "validation data", "signatures", "other"
    level: str  # PAdES baseline level: B-B, B-T, B-LT, B-LTA ("" for timestamps)
    verdict: str  # PASSED, INDETERMINATE or FAILED (ETSI EN 319 102-1)
    problem: str  # machine-readable sub-indication when not passed
    revision: int
    signed_until: int  # bytes of the file this signature covers

    @property
    def ok(self) -> bool:
        return (self.verdict == PASSED and self.intact and self.valid and self.trusted
                and not self.changed_after)

    @property
    def changed_after(self) -> bool:
        """Later revisions changed more than signatures, timestamps and validation data
        (e.g. page content): the signed bytes are intact, the document you see is not."""
        return self.kind == "signature" and self.later_changes == "other"

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict deep-copies
        for key in ("signing_time", "timestamp"):
            data[key] = data[key].isoformat() if data[key] else None
        data["ok"] = self.ok
        data["changed_after"] = self.changed_after
        return data


@dataclass(frozen=True)
class Report:
    sha256: str
    size: int
    revisions: int
    signatures: tuple[SignatureCheck, ...]
    timestamps: tuple[SignatureCheck, ...]
    validated_at: datetime
    offline_until: datetime | None = None  # see offline.py

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    def to_dict(self) -> dict:
        return {"sha256": self.sha256, "size": self.size, "revisions": self.revisions,
                "validated_at": self.validated_at.isoformat(), "ok": self.ok,
                "offline_until": self.offline_until and self.offline_until.isoformat(),
                "signatures": [s.to_dict() for s in self.signatures],
                "timestamps": [t.to_dict() for t in self.timestamps]}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_pdf(pdf: bytes) -> PdfFileReader:
    """A reader for ``pdf``, or :class:`NotAPdf` with a reason a person can act on."""
    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        raise NotAPdf("not a PDF file")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.root  # noqa: B018 - forces the trailer and catalog to parse
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, RecursionError) as error:
        raise NotAPdf(f"the PDF cannot be read: {error}") from error
    return reader


@speedups.gc_paused
def inspect(pdf: bytes, trust_roots: Iterable[x509.Certificate],
            at: datetime | None = None) -> Report:
    """Validate every signature (PAdES, long-term) and document timestamp in ``pdf``."""
    reader = open_pdf(pdf)
    roots = [asn1_cert(c) for c in trust_roots]
    timing = _timing(at)
    spec = _spec(roots)
    try:
        regular = list(reader.embedded_regular_signatures)
        stamps = list(reader.embedded_timestamp_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise NotAPdf(f"the signatures in this PDF cannot be read: {error}") from error
    stamp_revisions = [s.signed_revision for s in stamps]
    has_dss = "/DSS" in reader.root
    signatures = tuple(_check_signature(emb, spec, timing, stamp_revisions, has_dss)
                       for emb in regular)
    try:
        context = _timestamp_context(reader, roots, timing)
    except Exception as error:  # an unreadable DSS: validate without it
        log.info("DSS unreadable: %s", error)
        context = None
    timestamps = tuple(_check_timestamp(emb, context) for emb in stamps)
    return Report(sha256=sha256(pdf), size=len(pdf), revisions=reader.xrefs.total_revisions,
                  signatures=signatures, timestamps=timestamps,
                  validated_at=timing.validation_time, offline_until=offline.offline_until(reader))


def embedded_certificates(pdf: bytes) -> list[x509.Certificate]:
    """The certificates the signatures in ``pdf`` carry, with their timestamp tokens'."""
    found: dict[bytes, x509.Certificate] = {}
    for emb in open_pdf(pdf).embedded_regular_signatures:
        tokens = list(extract_tst_data_iter(emb.signer_info, signed=False))
        for signed_data in (emb.signed_data, *tokens):
            for choice in signed_data["certificates"] or ():
                if choice.name == "certificate":
                    der = choice.chosen.dump()
                    found.setdefault(der, x509.load_der_x509_certificate(der))
    return list(found.values())


@speedups.gc_paused
def check_own(pdf: bytes, signers: Iterable[x509.Certificate]) -> list[str]:
    """What is wrong with a file we just signed with our own keys ([] when fine).

    Every signature, its signature timestamp and the document timestamp must be intact
    (the digest of the bytes it covers matches), cryptographically valid, made by one of
    ``signers`` (the one-shot certificate, the seal, the TSA: all issued by our CA), and the
    last one must cover the whole file. What this leaves to :func:`inspect`, which the verify
    page and every validation report run: chains and revocation. For our own certificates
    those hold by construction: our CA issued them and the revocation data was made for them
    a moment ago. :func:`confirm` is the full check for files with certificates from
    elsewhere (an external TSA, a seal on a token).
    """
    expected = {c.public_bytes(serialization.Encoding.DER) for c in signers}
    problems = []

    def check_token(name: str, signed_data, signer_info, imprint_of, cert) -> None:
        # a timestamp token: its signature over the TSTInfo, and the TSTInfo's imprint:
        # ``imprint_of(algorithm)`` is the digest of what it timestamps
        content = signed_data["encap_content_info"]["content"]
        algorithm = signer_info["digest_algorithm"]["algorithm"].native
        intact, valid = validate_sig_integrity(
            signer_info, cert, "tst_info", hashlib.new(algorithm, bytes(content)).digest())
        imprint = content.parsed["message_imprint"]
        expected_imprint = imprint_of(imprint["hash_algorithm"]["algorithm"].native)
        if not (intact and valid and imprint["hashed_message"].native == expected_imprint):
            problems.append(f"{name}: timestamp token not intact or not valid")
        if cert.dump() not in expected:
            problems.append(f"{name}: timestamp by an unexpected certificate")

    try:
        embedded = (reader := open_pdf(pdf)).embedded_signatures
        for emb in embedded:
            name = emb.field_name
            emb.compute_integrity_info(skip_diff=True)
            if emb.sig_object_type == "/DocTimeStamp":
                check_token(name, emb.signed_data, emb.signer_info, emb.compute_digest,
                            emb.signer_cert)
                continue
            intact, valid = validate_sig_integrity(emb.signer_info, emb.signer_cert, "data",
                                                   emb.compute_digest())
            if not (intact and valid):
                problems.append(f"{name}: signature not intact or not valid")
            if emb.signer_cert.dump() not in expected:
                problems.append(f"{name}: signed by an unexpected certificate")
            tokens = list(extract_tst_data_iter(emb.signer_info, signed=False))
            if len(tokens) != 1:
                problems.append(f"{name}: expected one signature timestamp")
                continue
            token, value = tokens[0], emb.signer_info["signature"].native
            check_token(name, token, extract_signer_info(token),
                        lambda algorithm, value=value: hashlib.new(algorithm, value).digest(),
                        extract_certificate_info(token).signer_cert)
        if not embedded or embedded[-1].coverage != SignatureCoverageLevel.ENTIRE_FILE:
            problems.append("the last signature does not cover the whole file")
        if not problems:  # the ceremony records it next: spare it a second parse
            offline.remember(pdf, reader)
    except Exception as error:  # report, never crash the caller's transaction handling
        problems.append(f"validation failed: {error}")
    return problems


@speedups.gc_paused
def confirm(pdf: bytes, trust_roots: Iterable[x509.Certificate]) -> list[str]:
    """Full check of a file we just signed: what is wrong with it ([] when fine).

    Every signature and timestamp must be intact, valid and trusted, using the revocation data
    the file embeds. It skips the difference analysis of later revisions, which only matters
    for files from elsewhere (we wrote those revisions a moment ago).
    """
    reader = open_pdf(pdf)
    roots = [asn1_cert(c) for c in trust_roots]
    context = _timestamp_context(reader, roots, _timing(None))

    async def run() -> list[str]:
        problems = []
        for emb in reader.embedded_regular_signatures:
            status = await async_validate_pdf_signature(
                emb, signer_validation_context=context, ts_validation_context=context,
                skip_diff=True)
            if not (status.intact and status.valid and status.trusted):
                problems.append(f"{emb.field_name}: {status.summary()}")
            elif status.timestamp_validity is None or not status.timestamp_validity.trusted:
                problems.append(f"{emb.field_name}: no trusted signature timestamp")
        for emb in reader.embedded_timestamp_signatures:
            status = await async_validate_pdf_timestamp(emb, validation_context=context,
                                                        skip_diff=True)
            if not (status.intact and status.valid and status.trusted):
                problems.append(f"document timestamp: {status.summary()}")
        return problems

    try:
        return asyncio.run(run())
    except Exception as error:  # report, never crash the caller's transaction handling
        return [f"validation failed: {error}"]


def _timing(at: datetime | None) -> ValidationTimingInfo:
    if at is None:
        return ValidationTimingInfo.now()
    return ValidationTimingInfo(validation_time=at, best_signature_time=at,
                                point_in_time_validation=False)


def _spec(roots: list[asn1_x509.Certificate]) -> PdfSignatureValidationSpec:
    policy = CertValidationPolicySpec(trust_manager=SimpleTrustManager.build(trust_roots=roots),
                                      revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO))
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)))


def _check_signature(emb, spec, timing, stamp_revisions: list[int],
                     has_dss: bool) -> SignatureCheck:
    try:
        result = asyncio.run(ades.ades_lta_validation(emb, spec, timing_info=timing))
        status, indication = result.api_status, result.ades_subindic
    except Exception as error:  # a hostile file can break validation in many ways
        log.info("signature %s could not be validated: %s", emb.field_name, error)
        status, indication = None, AdESIndeterminate.GENERIC
    level = _level(emb, status, stamp_revisions, has_dss)
    return _check(emb, "signature", status, indication, level,
                  ts=status.timestamp_validity.timestamp
                  if status is not None and status.timestamp_validity else None)


def _timestamp_context(reader: PdfFileReader, roots, timing: ValidationTimingInfo):
    """Trust roots plus the revocation data the file itself carries in its DSS."""
    kwargs = {"trust_roots": roots, "allow_fetching": False,
              "moment": timing.validation_time}
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
    except NoDSSFoundError:
        return ValidationContext(**kwargs)


def _check_timestamp(emb, context) -> SignatureCheck:
    try:
        # skip_diff: the long-term validation of the signatures already judged every later
        # revision; this line only reports the stamp itself
        status = asyncio.run(async_validate_pdf_timestamp(emb, validation_context=context,
                                                          skip_diff=True))
        indication = AdESPassed.OK if status.intact and status.valid and status.trusted else (
            status.trust_problem_indic or AdESIndeterminate.GENERIC)
    except Exception as error:
        log.info("timestamp %s could not be validated: %s", emb.field_name, error)
        status, indication = None, AdESIndeterminate.GENERIC
    return _check(emb, "timestamp", status, indication, "",
                  ts=status.timestamp if status is not None else None)


def _check(emb, kind: str, status, indication, level: str, ts) -> SignatureCheck:
    cert = status.signing_cert if status is not None else _embedded_cert(emb)
    subject = cert.subject.native if cert is not None else {}
    issuer = cert.issuer.native if cert is not None else {}
    verdict = (PASSED if isinstance(indication, AdESPassed)
               else FAILED if isinstance(indication, AdESFailure) else INDETERMINATE)
    coverage = getattr(status, "coverage", None)
    return SignatureCheck(
        field=str(emb.field_name or ""), kind=kind,  # a plain str: no link to the reader
        signer=_first(subject.get("common_name")),
        organization=_first(subject.get("organization_name")),
        email=_first(subject.get("email_address")),
        issuer=_first(issuer.get("common_name")),
        signing_time=getattr(status, "signer_reported_dt", None) or emb.self_reported_timestamp,
        timestamp=ts,
        timestamped=kind == "signature" and _has_signature_timestamp(emb),
        intact=bool(status and status.intact), valid=bool(status and status.valid),
        trusted=bool(status and status.trusted),
        coverage={SignatureCoverageLevel.ENTIRE_FILE: "file",
                  SignatureCoverageLevel.ENTIRE_REVISION: "revision"}.get(coverage, "partial"),
        later_changes=_later_changes(status),
        level=level, verdict=verdict,
        problem="" if verdict == PASSED else getattr(indication, "name", str(indication)),
        revision=emb.signed_revision,
        signed_until=_signed_until(emb),
    )


def _level(emb, status, stamp_revisions: list[int], has_dss: bool) -> str:
    if status is None or status.timestamp_validity is None:
        return "B-B"
    if any(rev > emb.signed_revision for rev in stamp_revisions):
        return "B-LTA" if has_dss else "B-T"
    return "B-LT" if has_dss else "B-T"


def _has_signature_timestamp(emb) -> bool:
    try:
        return any(True for _ in extract_tst_data_iter(emb.signer_info, signed=False))
    except Exception:  # a mangled CMS blob
        return False


def _later_changes(status) -> str:
    level = getattr(status, "modification_level", None)
    return {ModificationLevel.NONE: "none", ModificationLevel.LTA_UPDATES: "validation data",
            ModificationLevel.FORM_FILLING: "signatures"}.get(level, "other")


def _signed_until(emb) -> int:
    try:
        _start, _length1, offset2, length2 = emb.byte_range
        return offset2 + length2
    except (TypeError, ValueError):
        return 0


def _embedded_cert(emb):
    try:
        return emb.signer_cert
    except Exception:  # a mangled CMS blob has no usable certificate
        return None


def _first(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")
