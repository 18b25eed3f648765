"""Agreement templates (the 2018.1 text loaded from the bundled file) and choice revisions.

Revision ID: aa3f889f2b22
Revises: 9b5a688e1c82
Create Date: 2026-11-28 12:59:58.098111
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import portal.models.types
from portal.documents.contract import load_toml, BUNDLED

revision = 'aa3f889f2b22'
down_revision = '9b5a688e1c82'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_templates')),
    sa.UniqueConstraint('version', name=op.f('uq_agreement_templates_version'))
    )
    op.create_table('choice_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=254), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('choices_json', sa.Text(), nullable=False),
    sa.Column('special_categories', sa.Boolean(), nullable=False),
    sa.Column('criminal_data', sa.Boolean(), nullable=False),
    sa.Column('national_id', sa.Boolean(), nullable=False),
    sa.Column('large_scale', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_choice_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_choice_revisions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['template_id'], ['agreement_templates.id'], name=op.f('fk_choice_revisions_template_id_agreement_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_choice_revisions')),
    sa.UniqueConstraint('organization_id', 'number', name=op.f('uq_choice_revisions_organization_id'))
    )
    op.create_index(op.f('ix_choice_revisions_organization_id'), 'choice_revisions', ['organization_id'], unique=False)
    template = load_toml(BUNDLED / "2018.1.toml")
    op.bulk_insert(
        sa.table("agreement_templates", sa.column("version"), sa.column("title"),
                 sa.column("published_on", sa.Date), sa.column("content"), sa.column("sha256"),
                 sa.column("created_at", portal.models.types.UTCDateTime)),
        [{"version": template.version, "title": template.title,
          "published_on": template.published, "content": template.to_json(),
          "sha256": template.sha256, "created_at": datetime.now(UTC)}],
    )
    # A published text and a saved revision are never edited in place.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_PG)
        op.execute("CREATE TRIGGER agreement_templates_immutable BEFORE UPDATE OR DELETE ON "
                   "agreement_templates FOR EACH ROW EXECUTE FUNCTION refuse_change()")
        op.execute("CREATE TRIGGER choice_revisions_immutable BEFORE UPDATE ON "
                   "choice_revisions FOR EACH ROW EXECUTE FUNCTION refuse_change()")
    else:
        for table, verb in (("agreement_templates", "UPDATE"), ("agreement_templates", "DELETE"),
                            ("choice_revisions", "UPDATE")):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
            )


REFUSE_PG = """
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME;
END $$
"""


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS choice_revisions_immutable ON choice_revisions")
        op.execute("DROP TRIGGER IF EXISTS agreement_templates_immutable ON agreement_templates")
        op.execute("DROP FUNCTION IF EXISTS refuse_change()")
    op.drop_index(op.f('ix_choice_revisions_organization_id'), table_name='choice_revisions')
    op.drop_table('choice_revisions')
    op.drop_table('agreement_templates')
