"""Prepared documents keep their frozen content: everything the PDF shows, as JSON.

Documents prepared before have none; signing refuses them and the customer reviews a new one.

Revision ID: db637849dfcc
Revises: 7f3b2d91c4e8
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'db637849dfcc'
down_revision = '7f3b2d91c4e8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('prepared_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('prepared_documents', schema=None) as batch_op:
        batch_op.drop_column('content')
