"""E-mail subscriptions to changes of the public sub-processor register (double opt-in,
one-click unsubscribe), the e-mails sent to them, and extra headers on outbox messages.

Revision ID: f52f99176d83
Revises: e7b3c1a9d204
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime

revision = 'f52f99176d83'
down_revision = 'e7b3c1a9d204'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'register_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('mailed_at', UTCDateTime(), nullable=False),
        sa.Column('confirmation_hash', sa.String(length=64), nullable=True),
        sa.Column('confirmed_at', UTCDateTime(), nullable=True),
        sa.Column('unsubscribed_at', UTCDateTime(), nullable=True),
        sa.Column('link_salt', sa.String(length=32), nullable=False),
        sa.Column('unsubscribe_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_subscriptions')),
        sa.UniqueConstraint('email', name=op.f('uq_register_subscriptions_email')),
        sa.UniqueConstraint('confirmation_hash',
                            name=op.f('uq_register_subscriptions_confirmation_hash')),
        sa.UniqueConstraint('unsubscribe_hash',
                            name=op.f('uq_register_subscriptions_unsubscribe_hash')),
    )
    op.create_index(op.f('ix_register_subscriptions_mailed_at'), 'register_subscriptions',
                    ['mailed_at'])
    op.create_index(op.f('ix_register_subscriptions_unsubscribed_at'), 'register_subscriptions',
                    ['unsubscribed_at'])
    op.create_table(
        'register_mailings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('announcement_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=20), nullable=False),
        sa.Column('mailed_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['subscription_id'], ['register_subscriptions.id'],
            name=op.f('fk_register_mailings_subscription_id_register_subscriptions')),
        sa.ForeignKeyConstraint(
            ['announcement_id'], ['announcements.id'],
            name=op.f('fk_register_mailings_announcement_id_announcements')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_mailings')),
        sa.UniqueConstraint('subscription_id', 'announcement_id', 'event',
                            name=op.f('uq_register_mailings_subscription_id')),
    )
    op.create_index(op.f('ix_register_mailings_announcement_id'), 'register_mailings',
                    ['announcement_id'])
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('headers')
    op.drop_index(op.f('ix_register_mailings_announcement_id'), table_name='register_mailings')
    op.drop_table('register_mailings')
    op.drop_index(op.f('ix_register_subscriptions_unsubscribed_at'),
                  table_name='register_subscriptions')
    op.drop_index(op.f('ix_register_subscriptions_mailed_at'),
                  table_name='register_subscriptions')
    op.drop_table('register_subscriptions')
