"""A returning patient's draft: what it was started from, and what is left to confirm.

Four nullable columns of drafts: the earlier checklist whose lasting answers the draft
started with and that checklist's date ("Last time (8 November) you told us:"), the sections
whose carried answers the patient has not confirmed or opened yet, and the infusion date of
the patient's previous invitation, offered for the date of their last infusion.

Revision ID: a2c4e6f8b0d3
Revises: f3b5d7e9a1c4
Create Date: 2026-12-07 20:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a2c4e6f8b0d3"
down_revision = "f3b5d7e9a1c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the four columns (nullable: nothing is rebuilt on SQLite)."""
    op.add_column("drafts", sa.Column("carried_from", sa.String(length=64), nullable=True))
    op.add_column("drafts", sa.Column("carried_on", sa.Date(), nullable=True))
    op.add_column("drafts", sa.Column("to_confirm", sa.String(length=400), nullable=True))
    op.add_column("drafts", sa.Column("last_infusion_offer", sa.Date(), nullable=True))


def downgrade() -> None:
    """Drop the four columns."""
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("last_infusion_offer")
        batch.drop_column("to_confirm")
        batch.drop_column("carried_on")
        batch.drop_column("carried_from")
