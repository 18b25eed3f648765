"""Notices by e-mail recorded per recipient: queued, accepted by the mail server or failed,
seen, acknowledged (issue 14, point 3).

Revision ID: c7e2a5d9f184
Revises: a9c4e2f7b310
Create Date: 2026-12-01 23:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = 'c7e2a5d9f184'
down_revision = 'a9c4e2f7b310'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('announcement', 'withdrawal', name='noticekind',
                                  native_enum=False, length=20), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('locale', sa.String(length=5), nullable=True),
        sa.Column('status', sa.Enum('queued', 'sent', 'failed', name='deliverystatus',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.Column('queued_at', UTCDateTime(), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.Column('seen_at', UTCDateTime(), nullable=True),
        sa.Column('acknowledged_at', UTCDateTime(), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'ref_id', 'organization_id', 'email'),
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_kind_ref_status', ['kind', 'ref_id', 'status'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_organization_id'), ['organization_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_organization_id'))
        batch_op.drop_index('ix_deliveries_kind_ref_status')
    op.drop_table('deliveries')
