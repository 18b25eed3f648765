"""Customer roles: a person may be owner, signatory and privacy contact at once (or a member,
who reads only). The account kind becomes "customer"; former owners keep everything they
could do (manage, sign, object, receive notices).

Revision ID: e7b3c1a9d204
Revises: d5e9a2c4b816
Create Date: 2026-12-01 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'e7b3c1a9d204'
down_revision = 'd5e9a2c4b816'
branch_labels = None
depends_on = None

_FLAGS = ('is_owner', 'is_signatory', 'is_privacy_contact')


def upgrade():
    for table in ('users', 'invitations'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for flag in _FLAGS:
                batch_op.add_column(sa.Column(flag, sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
        op.execute(f"UPDATE {table} SET is_owner = TRUE, is_signatory = TRUE, "
                   f"is_privacy_contact = TRUE WHERE role = 'customer_owner'")
        op.execute(f"UPDATE {table} SET role = 'customer' "
                   f"WHERE role IN ('customer_owner', 'customer_member')")


def downgrade():
    for table in ('users', 'invitations'):
        op.execute(f"UPDATE {table} SET role = 'customer_owner' "
                   f"WHERE role = 'customer' AND is_owner")
        op.execute(f"UPDATE {table} SET role = 'customer_member' WHERE role = 'customer'")
        with op.batch_alter_table(table, schema=None) as batch_op:
            for flag in reversed(_FLAGS):
                batch_op.drop_column(flag)
