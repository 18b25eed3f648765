"""Agreement files say until when a downloaded copy can be checked offline, and when the
customer was told about that version.

Files signed before carry the root CRL of that time, valid 90 days from their last
timestamp; the first version of each was announced by the signing e-mail.

Revision ID: 4b8e6f0d2a17
Revises: db637849dfcc
Create Date: 2026-12-01 19:00:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = '4b8e6f0d2a17'
down_revision = 'db637849dfcc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreement_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_until', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('announced_at', UTCDateTime(), nullable=True))
    files = sa.table('agreement_files', sa.column('id', sa.Integer),
                     sa.column('version', sa.Integer),
                     sa.column('last_timestamp_at', UTCDateTime),
                     sa.column('created_at', UTCDateTime),
                     sa.column('offline_until', UTCDateTime),
                     sa.column('announced_at', UTCDateTime))
    connection = op.get_bind()
    for row in connection.execute(sa.select(files.c.id, files.c.version,
                                            files.c.last_timestamp_at, files.c.created_at)):
        connection.execute(files.update().where(files.c.id == row.id).values(
            offline_until=row.last_timestamp_at + timedelta(days=90),
            announced_at=row.created_at if row.version == 1 else None))


def downgrade():
    with op.batch_alter_table('agreement_files', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
        batch_op.drop_column('offline_until')
