"""English texts beside the Dutch ones staff write: what a sub-processor does, why a change is
announced and why it is withdrawn (issue 14, point 5). Empty means "show the Dutch".

Revision ID: d3f6b8a1c925
Revises: c7e2a5d9f184
Create Date: 2026-12-01 23:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'd3f6b8a1c925'
down_revision = 'c7e2a5d9f184'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subprocessors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_en', sa.String(length=500), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_en', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('withdrawal_reason_en', sa.Text(), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_reason_en')
        batch_op.drop_column('reason_en')
    with op.batch_alter_table('subprocessors', schema=None) as batch_op:
        batch_op.drop_column('activity_en')
