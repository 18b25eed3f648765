"""Signed agreements as customers and staff keep them: lists, the one in force, downloads.

Every download is checked against the recorded SHA-256 first (:mod:`.integrity`) and
audit-logged.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.documents.pades import validation
from portal.extensions import db
from portal.models import Organization, SignedAgreement
from portal.services import audit, integrity, storage, trust
from portal.services.context import Actor


def agreements_of(org: Organization) -> list[SignedAgreement]:
    return list(db.session.scalars(select(SignedAgreement).where(
        SignedAgreement.organization_id == org.id).order_by(SignedAgreement.number.desc())))


def current_agreement(org: Organization) -> SignedAgreement | None:
    return db.session.scalar(select(SignedAgreement).where(
        SignedAgreement.organization_id == org.id, SignedAgreement.superseded_at.is_(None))
        .order_by(SignedAgreement.number.desc()).limit(1))


def current_by_organization(org_ids: list[int]) -> dict[int, SignedAgreement]:
    """Each organization's current signed agreement, in one query (staff lists)."""
    rows = db.session.scalars(select(SignedAgreement).where(
        SignedAgreement.organization_id.in_(org_ids), SignedAgreement.superseded_at.is_(None)))
    return {row.organization_id: row for row in rows}


def by_number(org: Organization, number: int) -> SignedAgreement | None:
    return db.session.scalar(select(SignedAgreement).where(
        SignedAgreement.organization_id == org.id, SignedAgreement.number == number))


def by_public_id(public_id: str) -> SignedAgreement | None:
    """For the public status page, whoever asks (the id is printed in the PDF)."""
    return db.session.scalar(select(SignedAgreement)
                             .where(SignedAgreement.public_id == public_id)
                             .execution_options(unscoped=True))


def signed_pdf(agreement: SignedAgreement, actor: Actor, *, purpose: str = "download") -> bytes:
    """The newest stored bytes, after checking them against their recorded SHA-256."""
    file = agreement.file
    try:
        data = integrity.checked(storage.get(file.file_key), file.sha256, file.file_key)
    except (integrity.IntegrityAlert, storage.StorageError) as error:
        integrity.alert(agreement, file.version, str(error), actor)
        raise integrity.IntegrityAlert(str(error)) from error
    audit.record(f"agreement.{purpose}", actor=actor, organization=agreement.organization_id,
                 obj=agreement, details={"document": agreement.public_id,
                                         "version": file.version, "sha256": file.sha256})
    db.session.commit()
    return data


def report(agreement: SignedAgreement, actor: Actor) -> validation.Report:
    """What the stored signed PDF proves (its validation report); audit-logged."""
    data = signed_pdf(agreement, actor, purpose="report")
    return validation.inspect(data, trust.trust_roots())
