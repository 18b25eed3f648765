"""Organizations get the date Voxio asks them to sign by, and when they were last reminded
to sign (issue 14, point 4).

Revision ID: a9c4e2f7b310
Revises: f52f99176d83
Create Date: 2026-12-01 22:30:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = 'a9c4e2f7b310'
down_revision = 'f52f99176d83'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sign_reminded_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('sign_reminded_at')
        batch_op.drop_column('sign_by')
