"""Languages: which ones an agency offers, the language of each draft and submission, and
the one an invitation asks to write to the patient in.

agencies.languages is a comma-separated list of language codes, the agency's default first
('en', or 'en,es'); drafts.language and submissions.language hold the one code the checklist
is being, or was, completed in. Existing rows get 'en': everything before this was English.
invitations.language is nullable: none means the agency's default.
Plain ADD COLUMNs with a server default: rebuilding agencies or submissions on SQLite would
delete, through the foreign keys, what belongs to them.

Revision ID: b8d0f2a4c6e9
Revises: a2c4e6f8b0d3
Create Date: 2026-12-07 19:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d0f2a4c6e9"
down_revision = "a2c4e6f8b0d3"
branch_labels = None
depends_on = None

COLUMNS = (("agencies", "languages", 64), ("drafts", "language", 8),
           ("submissions", "language", 8))


def upgrade() -> None:
    """Add the four columns; existing rows are English."""
    for table, column, length in COLUMNS:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=length), nullable=False,
                                          server_default="en"))
    with op.batch_alter_table("invitations", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    """Drop the four columns (answers are stored the same whatever the language)."""
    with op.batch_alter_table("invitations", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("language")
    for table, column, _ in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column(column)
