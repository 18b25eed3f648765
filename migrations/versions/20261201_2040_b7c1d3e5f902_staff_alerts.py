"""Staff alerts from the portal's monitoring, and the task queue's heartbeat.

Revision ID: b7c1d3e5f902
Revises: 9d4b2e7f1a60
Create Date: 2026-12-01 20:40:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = 'b7c1d3e5f902'
down_revision = '9d4b2e7f1a60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('acknowledged_at', UTCDateTime(), nullable=True),
        sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_staff_alerts_kind'), 'staff_alerts', ['kind'])
    op.create_index(op.f('ix_staff_alerts_acknowledged_at'), 'staff_alerts',
                    ['acknowledged_at'])
    op.create_table(
        'monitor_heartbeats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enqueued_at', UTCDateTime(), nullable=False),
        sa.Column('processed_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('monitor_heartbeats')
    op.drop_index(op.f('ix_staff_alerts_acknowledged_at'), table_name='staff_alerts')
    op.drop_index(op.f('ix_staff_alerts_kind'), table_name='staff_alerts')
    op.drop_table('staff_alerts')
