"""Choices, prepared documents and outbox bodies are encrypted at rest (models.types.
EncryptedText); a saved revision stays immutable except that its sealed choices may be
re-encrypted under a new key (``flask keys rotate``).

Values stored before stay readable in plain text until ``flask keys rotate`` seals them.

Revision ID: 9d4b2e7f1a60
Revises: 5e7a9c3d2f10
Create Date: 2026-12-01 20:30:00
"""

from alembic import op

revision = '9d4b2e7f1a60'
down_revision = '5e7a9c3d2f10'
branch_labels = None
depends_on = None

# every column of choice_revisions but choices_json, which key rotation rewrites
FIXED = ("id, organization_id, number, template_id, author_id, author_label, created_at, "
         "special_categories, criminal_data, national_id, large_scale")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS choice_revisions_immutable ON choice_revisions")
        op.execute(f"CREATE TRIGGER choice_revisions_immutable BEFORE UPDATE OF {FIXED} ON "
                   "choice_revisions FOR EACH ROW EXECUTE FUNCTION refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS choice_revisions_no_update")
        op.execute(f"CREATE TRIGGER choice_revisions_no_update BEFORE UPDATE OF {FIXED} ON "
                   "choice_revisions BEGIN SELECT RAISE(ABORT, 'choice_revisions rows are "
                   "immutable'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS choice_revisions_immutable ON choice_revisions")
        op.execute("CREATE TRIGGER choice_revisions_immutable BEFORE UPDATE ON "
                   "choice_revisions FOR EACH ROW EXECUTE FUNCTION refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS choice_revisions_no_update")
        op.execute("CREATE TRIGGER choice_revisions_no_update BEFORE UPDATE ON "
                   "choice_revisions BEGIN SELECT RAISE(ABORT, 'choice_revisions rows are "
                   "immutable'); END")
