"""An index for the staff customer list, which pages through customers by name.

Revision ID: 5d1e7c2a9b40
Revises: a0ca8896b09d
Create Date: 2026-11-29 02:40:00
"""

from alembic import op

revision = '5d1e7c2a9b40'
down_revision = 'a0ca8896b09d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_organizations_name_id', 'organizations', ['name', 'id'])


def downgrade():
    op.drop_index('ix_organizations_name_id', table_name='organizations')
