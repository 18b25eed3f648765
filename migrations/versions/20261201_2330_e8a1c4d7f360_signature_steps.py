"""Several signatories in order: each signature before the last is a step that stores the
partly signed file for the next (issue 14, point 2).

Revision ID: e8a1c4d7f360
Revises: d3f6b8a1c925
Create Date: 2026-12-01 23:30:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = 'e8a1c4d7f360'
down_revision = 'd3f6b8a1c925'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signature_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prepared_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('function', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('signed_at', UTCDateTime(), nullable=False),
        sa.Column('certificate_serial', sa.String(length=40), nullable=False),
        sa.Column('used_totp', sa.Boolean(), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('file_key', sa.String(length=80), nullable=True),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=False),
        sa.Column('reminded_at', UTCDateTime(), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
        sa.ForeignKeyConstraint(['prepared_id'], ['prepared_documents.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    for name, column in (('uq_signature_steps_open_position', 'position'),
                         ('uq_signature_steps_open_user', 'user_id')):
        op.create_index(name, 'signature_steps', ['prepared_id', column], unique=True,
                        sqlite_where=sa.text('ended_at IS NULL'),
                        postgresql_where=sa.text('ended_at IS NULL'))
    with op.batch_alter_table('signature_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_steps_organization_id'),
                              ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signature_steps_prepared_id'), ['prepared_id'],
                              unique=False)


def downgrade():
    op.drop_index('uq_signature_steps_open_user', table_name='signature_steps')
    op.drop_index('uq_signature_steps_open_position', table_name='signature_steps')
    with op.batch_alter_table('signature_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signature_steps_prepared_id'))
        batch_op.drop_index(batch_op.f('ix_signature_steps_organization_id'))
    op.drop_table('signature_steps')
