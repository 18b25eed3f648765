"""Organizations record when an owner last confirmed who has access (Bijlage 2: periodic
check of access), and when they were last reminded.

Revision ID: d5e9a2c4b816
Revises: c3a8f1d6e204
Create Date: 2026-12-01 21:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = 'd5e9a2c4b816'
down_revision = 'c3a8f1d6e204'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_reviewed_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('access_reviewed_by', sa.String(length=254),
                                      nullable=True))
        batch_op.add_column(sa.Column('access_reminded_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('access_reminded_at')
        batch_op.drop_column('access_reviewed_by')
        batch_op.drop_column('access_reviewed_at')
