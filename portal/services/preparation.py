"""Preparing the agreement for signing: everything the document shows, frozen for review.

Preparing freezes the document (the tailored text, the parties, the signatory, the
sub-processors and objections) and stores it with its unsigned PDF; while nothing it shows
changes, the same prepared document is offered again. Signing renders the frozen document, and
is refused once the records say something else (:func:`changes_since`): the customer then
reviews a new one.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from portal.documents.contract import Signatory, fonts, frozen, html, pdf
from portal.documents.contract.frozen import FrozenDocument, ObjectionEntry, SubProcessorEntry
from portal.documents.pades import validation
from portal.extensions import db
from portal.models import (
    ChoiceRevision,
    Organization,
    PreparedDocument,
    SignedAgreement,
    SubProcessorStatus,
    User,
    utcnow,
)
from portal.services import (
    ServiceError,
    agreements,
    alerts,
    audit,
    choice_exports,
    integrity,
    mail,
    objections,
    signed_copies,
    signing_rounds,
    storage,
    subprocessors,
    trust,
)
from portal.services.context import Actor


class DocumentChanged(ServiceError):
    """Something the prepared document shows changed before it was signed."""

    def __init__(self, parts: tuple[str, ...]):
        super().__init__(_("Since this document was prepared, something it shows has changed: "
                           "%(what)s. Nothing was signed: read the new version and sign that "
                           "one.",
                           what=", ".join(str(PART_LABELS[part]) for part in parts)))
        self.parts = parts


PART_LABELS = {
    "agreement": _l("the agreement's text"),
    "choices": _l("your choices"),
    "parties": _l("the parties' details"),
    "signatory": _l("the signatory"),
    "subprocessors": _l("the sub-processors"),
    "objections": _l("your objections"),
}


class Unprintable(ServiceError):
    """The document holds text its PDF cannot print (saved before the portal checked it)."""

    def __init__(self, document: FrozenDocument):
        missing = fonts.unprintable(document.to_json())
        super().__init__(_("Your agreement cannot be put on paper as it stands: its PDF cannot "
                           "print %(chars)s. Change this in your choices, or ask Voxio to "
                           "correct your organization's details.",
                           chars=" ".join(missing) or "?"))


class AlreadySigned(ServiceError):
    """The current agreement already covers these choices and this agreement version."""

    def __init__(self, agreement: SignedAgreement):
        super().__init__(_("Your current choices are already signed (document %(id)s). "
                           "Change your choices first if the agreement must change.",
                           id=agreement.public_id))
        self.agreement = agreement


def prepare(org: Organization, user: User, actor: Actor) -> PreparedDocument:
    """The unsigned PDF of the latest revision, frozen; reused while nothing changed."""
    rev = agreements.latest_revision(org)
    if rev is None:
        raise ServiceError(_("Make your choices first."))
    template = agreements.current_template()
    if agreements.problems(template, rev.choices):
        raise ServiceError(_("Your choices are incomplete for the current agreement version; "
                              "check them first."))
    current = signed_copies.covering(org, rev.id, template.id)
    if current is not None:
        raise AlreadySigned(current)
    signatory = rev.choices.signatory
    now = utcnow()
    fresh = freeze(org, rev, _new_public_id(org), now)
    existing = db.session.scalar(
        select(PreparedDocument).where(
            PreparedDocument.organization_id == org.id, PreparedDocument.revision_id == rev.id,
            PreparedDocument.template_id == template.id, PreparedDocument.content.is_not(None),
            ~PreparedDocument.id.in_(select(SignedAgreement.prepared_id)))
        .order_by(PreparedDocument.id.desc()).limit(1))
    if existing is not None and not frozen.changes(frozen_of(existing), fresh):
        return existing
    try:
        data = pdf.render_frozen(fresh)
    except pdf.RenderError as error:
        raise Unprintable(fresh) from error
    try:
        with storage.staged():
            key = storage.put(data, "prepared")
            prepared = PreparedDocument(
                organization_id=org.id, public_id=fresh.document_id, revision_id=rev.id,
                template_id=template.id, created_at=now, created_by_id=user.id,
                signatory_name=signatory.name, signatory_function=signatory.function,
                sha256=validation.sha256(data), size=len(data), file_key=key,
                content=fresh.to_json())
            db.session.add(prepared)
            db.session.flush()
            signing_rounds.cancel_open(org, actor)  # a round on an older version stops
            audit.record("agreement.prepared", actor=actor, organization=org, obj=prepared,
                         details={"document": prepared.public_id, "revision": rev.number,
                                  "template": template.version, "sha256": prepared.sha256})
            db.session.commit()
    except storage.StorageUnavailable as error:
        db.session.rollback()
        alerts.storage_fault("preparing", error, actor)
        raise ServiceError(_("The document could not be stored on our side, so it cannot be "
                             "reviewed yet. Your choices are saved. Voxio's staff have been "
                             "alerted; please try again later.")) from error
    return prepared


def freeze(org: Organization, rev: ChoiceRevision, public_id: str, now: datetime) -> FrozenDocument:
    """Everything the document shows, from the records as they are now."""
    signatory = rev.choices.signatory
    return FrozenDocument(
        document=agreements.document(org, rev),
        document_id=public_id,
        customer_number=org.customer_number,
        verify_url=mail.link("verify.status", public_id=public_id),
        created=now,
        signatory=Signatory(signatory.name, signatory.function, signatory.authority,
                            signatory.email),
        co_signatories=tuple(rev.choices.co_signatories),
        provider=current_app.config["PKI_ORGANIZATION"],
        subprocessors=tuple(
            SubProcessorEntry(sp.name, sp.legal_entity, sp.activity, tuple(sp.countries),
                              sp.outside_eea, sp.transfer_basis)
            for sp in subprocessors.for_organization(org)
            if sp.status == SubProcessorStatus.ACTIVE),
        objections=tuple(
            ObjectionEntry(o.announcement.subprocessor.name, o.announcement.effective_on,
                           o.created_at.date(), o.status, o.resolution or "")
            for o in reversed(objections.for_organization(org))),
        choices_json=choice_exports.as_json(org, rev),
        checking=trust.checking(mail.link("pki.index"), mail.link("verify.check")),
    )


def prepared_pdf(prepared: PreparedDocument) -> bytes:
    """The stored unsigned PDF, after checking it against its recorded SHA-256."""
    return integrity.checked(storage.get(prepared.file_key), prepared.sha256, prepared.file_key)


def find(public_id: str) -> PreparedDocument | None:
    """A prepared document by its number (a customer finds only its own: models.scoping)."""
    return db.session.scalar(select(PreparedDocument)
                             .where(PreparedDocument.public_id == public_id))


def preview(org: Organization, rev: ChoiceRevision) -> Markup:
    """The whole document these choices make today, as HTML (the PDF's words, not stored)."""
    return html.render_frozen(freeze(org, rev, PREVIEW_ID, utcnow()))


def prepared_html(prepared: PreparedDocument, heading_level: int = 2) -> Markup:
    """The prepared document as HTML: what its PDF says, for reading in the page."""
    return html.render_frozen(frozen_of(prepared), heading_level=heading_level)


PREVIEW_ID = "CONCEPT"  # a preview is no document yet: it has no number


def frozen_of(prepared: PreparedDocument) -> FrozenDocument:
    """The document as it was prepared: what the customer reviews and signs."""
    return FrozenDocument.from_json(prepared.content)


def changes_since(prepared: PreparedDocument) -> tuple[str, ...]:
    """What the records say now that ``prepared`` does not (nothing: it may be signed)."""
    org = prepared.organization
    rev = agreements.latest_revision(org)
    if rev is None or rev.id != prepared.revision_id:
        return ("choices",)
    if prepared.template_id != agreements.current_template().id or prepared.content is None:
        return ("agreement",)
    return frozen.changes(frozen_of(prepared), freeze(org, rev, prepared.public_id, utcnow()))


def _new_public_id(org: Organization) -> str:
    return f"{org.customer_number}-{secrets.token_hex(6).upper()}"
