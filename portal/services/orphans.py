"""Files no row refers to: what a process killed between writing a document and committing
its row leaves behind (the write is atomic, the pair is not). Swept by the daily job.

Only files older than :data:`GRACE` go: a ceremony in progress writes its file a moment
before it commits the row that names it.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select, union_all

from portal.extensions import db
from portal.models import AgreementFile, PreparedDocument, SignatureStep
from portal.services import audit, storage
from portal.services.context import Actor

GRACE = timedelta(minutes=15)


def sweep(actor: Actor, grace: timedelta = GRACE) -> list[str]:
    """Delete stored files that no prepared document, signed agreement version or open
    signature step names."""
    named = set(db.session.scalars(union_all(
        select(PreparedDocument.file_key).execution_options(unscoped=True),
        select(AgreementFile.file_key).execution_options(unscoped=True),
        select(SignatureStep.file_key).where(SignatureStep.file_key.is_not(None))
        .execution_options(unscoped=True))))
    cutoff = time.time() - grace.total_seconds()
    orphans = [key for key in storage.all_keys()
               if key not in named and storage.written_at(key) < cutoff]
    for key in orphans:
        storage.delete(key)
        audit.record("storage.orphan_removed", actor=actor, details={"file": key})
    db.session.commit()
    return orphans
