"""What changed since last time: a count stored with each submission's patient link.

Two nullable columns of patient_submissions: the id of the patient's checklist before this
one, and how many items' answers differ from it. Existing rows keep nulls: they are counted
when the queue first shows them (or by `ivig-home count-changes`), which needs the keys a
migration does not hold.

Revision ID: f3b5d7e9a1c4
Revises: e7a9c1d3f5b8
Create Date: 2026-12-07 17:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b5d7e9a1c4"
down_revision = "e7a9c1d3f5b8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns (nullable: nothing is rebuilt on SQLite)."""
    op.add_column("patient_submissions",
                  sa.Column("changes_since_id", sa.String(length=64), nullable=True))
    op.add_column("patient_submissions", sa.Column("change_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("patient_submissions") as batch:
        batch.drop_column("change_count")
        batch.drop_column("changes_since_id")
