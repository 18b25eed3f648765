"""The signing ceremony: the customer signs the prepared agreement, Voxio countersigns.

All or nothing: render with the evidence page, sign as the customer (one-shot certificate,
with a signature timestamp), countersign as Voxio with every signature's validation data and
a document timestamp (all end at PAdES B-LTA), check, store encrypted, record, commit. Any
failure rolls the transaction back and deletes what was written; a double submit of the same
prepared document signs it exactly once (a unique constraint decides between racing requests).
With several signatories (services.signing_rounds) each signs in turn, in their own place and
with their own account; the seal follows the last.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography import x509
from flask import current_app
from flask_babel import gettext as _

from portal.documents.contract import Signatory, pdf, signatures
from portal.documents.contract.frozen import Evidence, FrozenDocument
from portal.documents.pades import pki, validation
from portal.documents.pades import signing as pades
from portal.extensions import db
from portal.models import (
    Permission,
    PreparedDocument,
    SignatureStep,
    SignedAgreement,
    SigningMethod,
    User,
    UserSession,
    utcnow,
)
from portal.services import (
    ServiceError,
    ServiceErrors,
    alerts,
    preparation,
    require,
    signed_copies,
    signing_rounds,
    storage,
    trust,
)
from portal.services.context import Actor
from portal.services.preparation import AlreadySigned

log = logging.getLogger(__name__)


class SigningFailed(ServiceError):
    """Signing or countersigning failed on Voxio's side (key, timestamp service, check):
    nothing was signed or stored."""


@dataclass(frozen=True)
class Confirmation:
    """What the signatory confirms on the signing page."""

    name: str
    function: str
    authority_confirmed: bool


def sign(prepared: PreparedDocument, confirmation: Confirmation, user: User,
         session: UserSession | None, actor: Actor) -> SignedAgreement | SignatureStep:
    """Sign ``prepared`` as ``user``; after the last signatory (most often the only one)
    Voxio countersigns. Each signature is all or nothing. With several signatories, a
    signature before the last returns the :class:`SignatureStep` that waits for the next."""
    require(user, Permission.SIGN)
    existing = signed_copies.for_prepared(prepared)
    if existing is not None:
        return existing  # a double submit: the first one won
    try:
        check_signable(prepared)
    except preparation.DocumentChanged:  # who signed already is told it starts again
        if signing_rounds.cancel_open(prepared.organization, actor):
            db.session.commit()
        raise
    frozen = preparation.frozen_of(prepared)  # what was reviewed, nothing newer
    state = signing_rounds.of(prepared, frozen)
    if len(frozen.signatories) > 1:
        mine = state.step_of(user)
        if mine is not None:
            return mine  # a double submit of one turn
        position = signing_rounds.check_turn(state, user, confirmation.name,
                                             confirmation.function)
        if not confirmation.authority_confirmed:
            raise ServiceErrors([("authority", _(
                "Confirm that you may sign for your organization."))])
    else:
        position = 1
        _check_confirmation(prepared, confirmation)
    try:
        return _ceremony(prepared, frozen, state, position, confirmation, user, session, actor)
    except preparation.DocumentChanged:  # while this signature was made
        if signing_rounds.cancel_open(prepared.organization, actor):
            db.session.commit()
        raise
    except (pades.SigningError, pdf.RenderError) as error:
        log.exception("signing %s failed", prepared.public_id)
        raise SigningFailed(_(
            "Signing failed on our side; nothing was signed or stored. Please try again in a "
            "few minutes. If it keeps failing, contact Voxio support.")) from error
    except storage.StorageUnavailable as error:
        alerts.storage_fault("signing", error, actor)
        raise SigningFailed(_(
            "Signing failed on our side: the signed document could not be stored, so nothing "
            "was signed. Voxio's staff have been alerted; please try again later.")) from error


def _ceremony(prepared: PreparedDocument, frozen: FrozenDocument, state: signing_rounds.Round,
              position: int,
              confirmation: Confirmation, user: User, session: UserSession | None,
              actor: Actor) -> SignedAgreement | SignatureStep:
    org = prepared.organization
    now = utcnow()
    auth = trust.authority()
    customer = auth.issue_signer(pki.SignerName(
        common_name=confirmation.name, organization=org.name, email=user.email,
        title=confirmation.function), now)
    if position == 1:
        evidence = Evidence(
            signed_at=now, revision=prepared.revision.number, name=confirmation.name,
            function=confirmation.function,
            authority_confirmed=confirmation.authority_confirmed, email=user.email,
            unsigned_sha256=prepared.sha256,
            certificate_issuer=auth.signing_ca.cert.subject.rfc4514_string(),
            certificate_serial=customer.cert.serial_number,
            used_totp=session.used_totp if session is not None else None,
            authenticated_at=session.authenticated_at if session is not None else None,
            ip=actor.ip, user_agent=actor.user_agent)
        unsigned = pdf.render_frozen(frozen, evidence)
        earlier = []
    else:  # the file the previous signatory signed
        unsigned = storage.get(state.steps[-1].file_key)
        earlier = signatures.signer_certificates(unsigned)
    # One set of CRLs and OCSP answers, fresh now, for every certificate in the ceremony.
    revocation = trust.revocation([customer.cert, *earlier, auth.signing_ca.cert,
                                   auth.tsa.cert, auth.seal.cert], now)
    signed = signatures.sign_as_customer(
        unsigned, pades.credential_signer(customer, auth.chain(customer.cert)),
        name=confirmation.name, timestamper=trust.timestamper(),
        trust_roots=trust.trust_roots(), revocation=revocation,
        allow_fetching=trust.external_tsa(), compact=not trust.external_tsa(),
        position=position)
    several = len(frozen.signatories) > 1
    if several:
        check_signable(prepared)  # nothing changed while it was signed
    if position < len(frozen.signatories):
        _check(signed, [customer.cert, *earlier, auth.tsa.cert], full=trust.external_tsa())
        return signing_rounds.record_step(
            state, signed, position, Signatory(confirmation.name, confirmation.function),
            user, session, actor, customer.cert, now)
    with trust.seal() as seal:
        # every customer signature's validation data goes into the seal's revision
        signed = countersign(signed, seal, revocation, earlier_certs=[
            customer.cert, *earlier, *auth.chain(customer.cert)])
        seal_subject, seal_cert = seal.subject, pades.signer_chain(seal.signer)[0]
    _check(signed, [customer.cert, *earlier, seal_cert, auth.tsa.cert],
           full=trust.external_tsa() or not seal.ours)
    if several:
        try:
            signing_rounds.claim(state, now)
        except signing_rounds.RoundEnded:
            done = signed_copies.for_prepared(prepared)
            if done is not None:
                return done  # a double submit of the last signature: the first one won
            raise
        signing_rounds.complete(prepared)
    return signed_copies.record(
        prepared, signed, method=SigningMethod.PORTAL, user=user, actor=actor,
        signatory=Signatory(
            ", ".join([s.name for s in state.steps] + [confirmation.name])[:200],
            "; ".join([s.function for s in state.steps] + [confirmation.function])[:200]),
        signer_subject=customer.cert.subject.rfc4514_string(), seal_subject=seal_subject,
        issued=customer.cert, now=now)


def _check(signed: bytes, certs: list[x509.Certificate], *, full: bool) -> None:
    """Certificates from elsewhere get the full check; our own the quick one."""
    problems = validation.confirm(signed, trust.trust_roots()) if full \
        else validation.check_own(signed, certs)
    if problems:
        raise pades.SigningError(f"the signed document does not validate: {problems}")


def check_signable(prepared: PreparedDocument) -> None:
    """Refuse a prepared document whose choices are already signed, or are no longer current."""
    current = signed_copies.covering(prepared.organization, prepared.revision_id,
                                     prepared.template_id)
    if current is not None:
        raise AlreadySigned(current)
    changed = preparation.changes_since(prepared)
    if changed:
        raise preparation.DocumentChanged(changed)


def countersign(signed: bytes, seal: trust.Seal, revocation: pades.Revocation,
                earlier_certs: list[x509.Certificate] | None = None) -> bytes:
    """Voxio's seal over a customer-signed PDF, at B-LTA."""
    return signatures.countersign(
        signed, seal.signer, provider_name=current_app.config["PKI_ORGANIZATION"],
        timestamper=trust.timestamper(), trust_roots=trust.trust_roots(),
        revocation=revocation, allow_fetching=trust.external_tsa() or not seal.ours,
        compact=seal.ours and not trust.external_tsa(), earlier_certs=earlier_certs or ())


def _check_confirmation(prepared: PreparedDocument, confirmation: Confirmation) -> None:
    problems = []
    if not confirmation.name.strip():
        problems.append(("name", _("Enter your name as it appears in the agreement.")))
    elif confirmation.name.strip() != prepared.signatory_name.strip():
        problems.append(("name", _("The agreement names %(name)s as signatory. Sign as that "
                                    "person, or change the signatory in your choices first.",
                                    name=prepared.signatory_name)))
    if confirmation.function.strip() != prepared.signatory_function.strip():
        problems.append(("function", _("The agreement gives the job title %(function)s. Enter "
                                       "it as written, or change it in your choices first.",
                                       function=prepared.signatory_function)))
    if not confirmation.authority_confirmed:
        problems.append(("authority", _("Confirm that you may sign for your organization.")))
    if problems:
        raise ServiceErrors(problems)
