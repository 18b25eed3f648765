"""Several signatories in order (e.g. a director, then the data protection officer).

Each signs the same frozen document in turn, with their own one-shot certificate; every
signature before the last is a :class:`~portal.models.SignatureStep` that keeps the partly
signed file for the next. The ceremony itself is services.signing's. A round ends when Voxio
countersigns after the last signature, when the choices or the document change (cancelled,
with notice to those who signed), or after ``SIGNING_ROUND_DAYS`` (expired); until then the
next signatory is reminded every ``SIGN_REMINDER_DAYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.documents.contract import Signatory
from portal.documents.contract.frozen import FrozenDocument
from portal.documents.pades import validation
from portal.extensions import db
from portal.models import (
    CertificatePurpose,
    Organization,
    Permission,
    PreparedDocument,
    SignatureStep,
    User,
    UserSession,
    utcnow,
)
from portal.services import ServiceError, ServiceErrors, audit, mail, storage, trust, users
from portal.services.context import Actor, cli_actor

COMPLETED, CANCELLED, EXPIRED = "completed", "cancelled", "expired"


@dataclass(frozen=True)
class Round:
    prepared: PreparedDocument
    signatories: tuple[Signatory, ...]
    steps: list[SignatureStep]  # the open ones, in order

    @property
    def position(self) -> int:
        """Whose turn it is (1-based)."""
        return len(self.steps) + 1

    @property
    def next(self) -> Signatory | None:
        return self.signatories[len(self.steps)] if len(self.steps) < len(self.signatories) \
            else None

    @property
    def expires_at(self) -> datetime | None:
        return self.steps[0].signed_at + days() if self.steps else None

    def step_of(self, user: User) -> SignatureStep | None:
        return next((s for s in self.steps if s.user_id == user.id), None)


def days() -> timedelta:
    return timedelta(days=current_app.config["SIGNING_ROUND_DAYS"])


def of(prepared: PreparedDocument, frozen: FrozenDocument) -> Round:
    return Round(prepared, frozen.signatories, list(db.session.scalars(
        select(SignatureStep).where(SignatureStep.prepared_id == prepared.id,
                                    SignatureStep.ended_at.is_(None))
        .order_by(SignatureStep.position))))


def check_turn(state: Round, user: User, name: str, function: str) -> int:
    """The place ``user`` signs in: the one whose account address the choices give. Refused
    for anyone else, and out of turn."""
    emails = [s.email.strip().lower() for s in state.signatories]
    if user.email not in emails:
        raise ServiceError(_(
            "The agreement names %(names)s as signatories, and only their own accounts sign in "
            "their place: yours is not one of them.",
            names=", ".join(s.name for s in state.signatories)))
    position = emails.index(user.email) + 1
    if position > state.position:
        raise ServiceError(_("%(first)s signs first: the signatories sign in the order the "
                             "agreement names them.", first=state.next.name))
    person = state.signatories[position - 1]
    problems = []
    if name.strip() != person.name.strip():
        problems.append(("name", _("The agreement names you as %(name)s. Sign with that name, "
                                   "or change it in your choices first.", name=person.name)))
    if function.strip() != person.function.strip():
        problems.append(("function", _(
            "The agreement gives the job title %(function)s. Enter it as written, or change it "
            "in your choices first.", function=person.function)))
    if problems:
        raise ServiceErrors(problems)
    return position


def next_account(state: Round) -> User | None:
    """The account of whoever signs next, if it exists and may sign."""
    if state.next is None:
        return None
    user = db.session.scalar(select(User).where(
        User.organization_id == state.prepared.organization_id,
        User.email == state.next.email.strip().lower()))
    return user if user is not None and user.active and user.can(Permission.SIGN) else None


class RoundEnded(ServiceError):
    """The round moved on, lapsed or lost a signatory while this signature was made."""


def claim(state: Round, now: datetime) -> None:
    """Lock the round's open steps before recording a signature; refuse (and stop the round
    where it can no longer finish) if it changed meanwhile, has lapsed, or someone who
    signed has lost access or the signatory role."""
    ids = list(db.session.scalars(select(SignatureStep.id).where(
        SignatureStep.prepared_id == state.prepared.id, SignatureStep.ended_at.is_(None))
        .order_by(SignatureStep.position).with_for_update()))
    if ids != [s.id for s in state.steps]:
        raise RoundEnded(_("Someone else signed in this place a moment ago; your signature "
                           "was not placed. Reload the page to see whose turn it is."))
    lapsed = state.expires_at is not None and state.expires_at <= now
    gone = [s.name for s in state.steps if not (s.user.active and s.user.can(Permission.SIGN))]
    if lapsed or gone:
        org = state.prepared.organization
        cancel_open(org, cli_actor("system"), reason=EXPIRED if lapsed else CANCELLED)
        db.session.commit()
        raise RoundEnded(_(
            "The signatures so far have lapsed: not everyone signed within %(days)d days. "
            "Signing starts again.", days=days().days) if lapsed else _(
            "%(name)s no longer has access or the signatory role, so their signature no "
            "longer counts. Signing starts again.", name=", ".join(gone)))


def record_step(state: Round, signed: bytes, position: int, signatory: Signatory,
                user: User, session: UserSession | None, actor: Actor,
                cert: x509.Certificate, now: datetime) -> SignatureStep:
    """Keep the partly signed file for the next signatory and tell them; once per turn."""
    prepared = state.prepared
    try:
        claim(state, now)
    except RoundEnded:
        mine = _open_step_of(prepared, user)
        if mine is not None:
            return mine  # a double submit: the first one signed
        raise
    try:
        with storage.staged():
            key = storage.put(signed, "partial")
            step = SignatureStep(
                organization_id=prepared.organization_id, prepared_id=prepared.id,
                position=position, user_id=user.id, name=signatory.name,
                function=signatory.function, email=user.email, signed_at=now,
                certificate_serial=f"{cert.serial_number:x}",
                used_totp=session.used_totp if session is not None else None, ip=actor.ip,
                sha256=validation.sha256(signed), size=len(signed), file_key=key,
                end_reason="")
            db.session.add(step)
            db.session.flush()  # the unique constraints decide a race here
            trust.record_issued(cert, CertificatePurpose.SIGNATORY, prepared.organization_id)
            audit.record("agreement.signed_in_turn", actor=actor,
                         organization=prepared.organization_id, obj=prepared,
                         details={"document": prepared.public_id, "position": position,
                                  "signatory": signatory.name})
            _tell_next(prepared, of(prepared, preparation_frozen(prepared)))
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        mine = _open_step_of(prepared, user)
        if mine is not None:
            return mine  # a double submit: the first one signed
        raise RoundEnded(_("Someone else signed in this place a moment ago; your signature "
                           "was not placed. Reload the page to see whose turn it is.")) from None
    return step


def _open_step_of(prepared: PreparedDocument, user: User) -> SignatureStep | None:
    return db.session.scalar(select(SignatureStep).where(
        SignatureStep.prepared_id == prepared.id, SignatureStep.user_id == user.id,
        SignatureStep.ended_at.is_(None)))


def preparation_frozen(prepared: PreparedDocument) -> FrozenDocument:
    """The frozen document (services.preparation.frozen_of, which imports this module)."""
    return FrozenDocument.from_json(prepared.content)


def _tell_next(prepared: PreparedDocument, state: Round) -> None:
    """E-mail whoever signs next; if they have no account that may sign, the owners, who can
    invite them."""
    if state.next is None:
        return
    org = prepared.organization
    account = next_account(state)
    people = [account] if account else users.holding(org, Permission.MANAGE_USERS)
    for person in people:
        mail.send("signature_turn", person.email,
                  _l("Your organization's data processing agreement awaits a signature"),
                  locale=person.locale, name=person.name, organization=org,
                  done=state.steps, next=state.next, expires_at=state.expires_at,
                  invite=account is None)


def complete(prepared: PreparedDocument) -> None:
    """End the round's steps after the countersignature (in the caller's transaction)."""
    _end(prepared.id, COMPLETED)


def _end(prepared_id: int, reason: str) -> None:
    """Close the steps; their partly signed files are no longer named, so the storage sweep
    (``flask storage sweep``) deletes them."""
    for step in db.session.scalars(select(SignatureStep).where(
            SignatureStep.prepared_id == prepared_id, SignatureStep.ended_at.is_(None))
            .with_for_update()):
        step.ended_at, step.end_reason, step.file_key = utcnow(), reason, None


def cancel_open(org: Organization, actor: Actor, *, reason: str = CANCELLED,
                keep: PreparedDocument | None = None) -> int:
    """Stop the organization's unfinished rounds (the choices or the document changed, or
    time ran out) and tell those who signed; in the caller's transaction. Returns how many."""
    open_ = db.session.scalars(select(SignatureStep.prepared_id).distinct().where(
        SignatureStep.organization_id == org.id, SignatureStep.ended_at.is_(None))).all()
    stopped = 0
    for prepared_id in open_:
        if keep is not None and prepared_id == keep.id:
            continue
        signers = db.session.scalars(select(SignatureStep).where(
            SignatureStep.prepared_id == prepared_id, SignatureStep.ended_at.is_(None))).all()
        people = [(s.email, s.name, s.user) for s in signers]
        _end(prepared_id, reason)
        prepared = db.session.get(PreparedDocument, prepared_id)
        audit.record(f"agreement.signing_{reason}", actor=actor, organization=org, obj=prepared,
                     details={"document": prepared.public_id, "signed": len(people)})
        for email, name, user in people:
            mail.send("signature_round_ended", email,
                      _l("The signing of your data processing agreement was stopped"),
                      locale=user.locale if user else None, name=name, organization=org,
                      prepared=prepared, reason=reason, days=days().days)
        stopped += 1
    return stopped


def expire_and_remind(actor: Actor, now: datetime | None = None) -> tuple[list[str], list[str]]:
    """The scheduled job: end rounds open longer than ``SIGNING_ROUND_DAYS``, remind the
    next signatory of the others every ``SIGN_REMINDER_DAYS``. Returns (expired, reminded)
    customer numbers; running it twice in a row sends nothing more."""
    now = now or utcnow()
    every = timedelta(days=current_app.config["SIGN_REMINDER_DAYS"])
    expired, reminded = [], []
    firsts = db.session.scalars(select(SignatureStep).where(
        SignatureStep.ended_at.is_(None), SignatureStep.position == 1)
        .order_by(SignatureStep.id).execution_options(unscoped=True)).all()
    for first in firsts:
        prepared, org = first.prepared, first.prepared.organization
        if first.signed_at + days() <= now:
            cancel_open(org, actor, reason=EXPIRED)
            db.session.commit()  # each customer on its own: one failure stops no other
            expired.append(org.customer_number)
            continue
        state = of(prepared, preparation_frozen(prepared))
        last = state.steps[-1]
        if (last.reminded_at or last.signed_at) + every > now:
            continue
        # claim this reminder: of two overlapping runs, one sends it
        claimed = db.session.execute(update(SignatureStep).where(
            SignatureStep.id == last.id, SignatureStep.ended_at.is_(None),
            SignatureStep.reminded_at.is_(None) if last.reminded_at is None
            else SignatureStep.reminded_at == last.reminded_at).values(reminded_at=now))
        if claimed.rowcount == 1:
            _tell_next(prepared, state)
            reminded.append(org.customer_number)
        db.session.commit()
    return expired, reminded
