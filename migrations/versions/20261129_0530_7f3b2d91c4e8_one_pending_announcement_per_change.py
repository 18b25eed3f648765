"""One pending announcement per kind of change per sub-processor.

Announcements already sent twice are kept, but the later copies are marked withdrawn (without
notices: customers already had the first), so that the unique index can be built.

Revision ID: 7f3b2d91c4e8
Revises: 5d1e7c2a9b40
Create Date: 2026-11-29 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '7f3b2d91c4e8'
down_revision = '5d1e7c2a9b40'
branch_labels = None
depends_on = None

PENDING = "applied_at IS NULL AND withdrawn_at IS NULL"


def upgrade():
    op.execute(sa.text(
        "UPDATE announcements SET withdrawn_at = announced_at, "
        "withdrawal_reason = 'Dubbele aankondiging (duplicate announcement)' "
        f"WHERE {PENDING} AND EXISTS (SELECT 1 FROM announcements AS first "
        "WHERE first.kind = announcements.kind "
        "AND first.subprocessor_id = announcements.subprocessor_id "
        "AND first.applied_at IS NULL AND first.withdrawn_at IS NULL "
        "AND first.id < announcements.id)"))
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('uq_announcements_pending', ['kind', 'subprocessor_id'], unique=True,
                              sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))


def downgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('uq_announcements_pending', sqlite_where=sa.text(PENDING),
                            postgresql_where=sa.text(PENDING))
