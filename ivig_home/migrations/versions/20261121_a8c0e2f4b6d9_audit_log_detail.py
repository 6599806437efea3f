"""Audit entries say what exactly was done: which PDF a download was (a nullable `detail`).

audit_log keeps its append-only triggers (e4a6c8f0b2d4): the column is added and dropped
in place (ALTER TABLE ... ADD / DROP COLUMN), never by rebuilding the table, which on
SQLite would drop the triggers with the old table. Neither statement fires an UPDATE or
DELETE trigger on SQLite or PostgreSQL. Entries made before it have no detail; a downgrade
drops the details with the column and keeps every entry.

Revision ID: a8c0e2f4b6d9
Revises: f5b7d9e1a3c6
Create Date: 2026-11-21 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a8c0e2f4b6d9"
down_revision = "f5b7d9e1a3c6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable detail column in place."""
    with op.batch_alter_table("audit_log", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("detail", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Drop the detail column in place; the entries stay."""
    with op.batch_alter_table("audit_log", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("detail")
