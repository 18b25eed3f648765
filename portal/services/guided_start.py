"""Where a customer stands on the way to a signed agreement: choices, review, sign.

The start page shows the three steps, the one to take now and who may take it, and the date
Voxio asked the customer to sign by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Organization, Permission, PreparedDocument, SignatureStep, utcnow
from portal.services import preparation, sign_reminders, signing_rounds, users

CHOICES, REVIEW, SIGN = "choices", "review", "sign"
STEPS = (CHOICES, REVIEW, SIGN)
# Whom to ask at each step: everyone may read (review) the agreement, but a signatory signs it.
ASK = {CHOICES: Permission.EDIT_CHOICES, REVIEW: Permission.SIGN, SIGN: Permission.SIGN}


@dataclass(frozen=True)
class Progress:
    current: str | None  # the step to take now; None once the newest choices are signed
    sign_by: date | None
    overdue: bool
    holders: tuple[str, ...]  # who may take what comes next (the choices, or signing)
    signed_by: tuple[str, ...] = ()  # of several signatories, who signed so far
    next_signatory: str = ""  # ... and whose turn it is

    def done(self, step: str) -> bool:
        return self.current is None or STEPS.index(step) < STEPS.index(self.current)


def progress(org: Organization, overview: dict) -> Progress:
    """The steps as they stand, from the start page's ``overview`` (services.overview).

    Review is done once a signatory opened the newest choices for signing (a prepared
    document for them and for the current agreement text exists).
    """
    latest, covered = overview["latest"], overview["signed_covers_latest"]
    if covered:
        current = None
    elif latest is None:
        current = CHOICES
    else:
        current = SIGN if _prepared(org, latest.id, overview["template_id"]) else REVIEW
    holders = tuple(u.name for u in users.holding(org, ASK[current])) if current else ()
    steps = db.session.scalars(select(SignatureStep).where(
        SignatureStep.organization_id == org.id, SignatureStep.ended_at.is_(None))
        .order_by(SignatureStep.position)).all() if current == SIGN else []
    following = ""
    if steps:
        following = signing_rounds.of(steps[0].prepared, preparation.frozen_of(
            steps[0].prepared)).next.name
    return Progress(current=current, sign_by=org.sign_by, holders=holders,
                    overdue=sign_reminders.is_overdue(org, covered, utcnow().date()),
                    signed_by=tuple(s.name for s in steps), next_signatory=following)


def _prepared(org: Organization, revision_id: int, template_id: int | None) -> bool:
    return db.session.scalar(select(PreparedDocument.id).where(
        PreparedDocument.organization_id == org.id, PreparedDocument.revision_id == revision_id,
        PreparedDocument.template_id == template_id).limit(1)) is not None
