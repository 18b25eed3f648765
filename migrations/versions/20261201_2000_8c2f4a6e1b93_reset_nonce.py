"""Only the newest password-reset link works: each request gives the account a new nonce
that the link's fingerprint includes.

Revision ID: 8c2f4a6e1b93
Revises: 4b8e6f0d2a17
Create Date: 2026-12-01 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '8c2f4a6e1b93'
down_revision = '4b8e6f0d2a17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reset_nonce', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reset_nonce')
