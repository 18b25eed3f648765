"""E-mail addresses in one Unicode form (NFC), as the portal now stores every new one.

An address whose composed form another account already has is left as it is (and logged):
merging two accounts is a decision for staff, not for a migration.

Revision ID: 5e7a9c3d2f10
Revises: 8c2f4a6e1b93
Create Date: 2026-12-01 20:10:00
"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '5e7a9c3d2f10'
down_revision = '8c2f4a6e1b93'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    connection = op.get_bind()
    for name, unique in (("users", True), ("invitations", False)):
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("email", sa.String))
        rows = connection.execute(sa.select(table.c.id, table.c.email)).all()
        taken = {email for _id, email in rows}
        for row_id, email in rows:
            composed = unicodedata.normalize("NFC", email)
            if composed == email:
                continue
            if unique and composed in taken:
                log.warning("%s %s: %r kept, %r belongs to another account", name, row_id,
                            email, composed)
                continue
            connection.execute(table.update().where(table.c.id == row_id)
                               .values(email=composed))
            taken.add(composed)


def downgrade():
    pass  # the composed form is the same address
