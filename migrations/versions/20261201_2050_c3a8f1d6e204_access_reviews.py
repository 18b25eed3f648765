"""Monthly sample checks of access events: the sample and each item's review.

Revision ID: c3a8f1d6e204
Revises: b7c1d3e5f902
Create Date: 2026-12-01 20:50:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = 'c3a8f1d6e204'
down_revision = 'b7c1d3e5f902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('drawn_at', UTCDateTime(), nullable=False),
        sa.Column('closed_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period'),
    )
    op.create_table(
        'access_review_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.String(length=10), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['audit_events.id']),
        sa.ForeignKeyConstraint(['review_id'], ['access_reviews.id']),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_access_review_items_review_id'), 'access_review_items',
                    ['review_id'])


def downgrade():
    op.drop_index(op.f('ix_access_review_items_review_id'), table_name='access_review_items')
    op.drop_table('access_review_items')
    op.drop_table('access_reviews')
