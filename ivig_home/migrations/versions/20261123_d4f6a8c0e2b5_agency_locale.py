"""Each agency's locale: the order patients write dates in (month first in the US).

Revision ID: d4f6a8c0e2b5
Revises: c9e1a3b5d7f2
Create Date: 2026-11-23 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4f6a8c0e2b5"
down_revision = "c9e1a3b5d7f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add agencies.locale; existing agencies get 'en-US' (dates month first)."""
    # A plain ADD COLUMN with a default: rebuilding agencies on SQLite would delete, through
    # the foreign keys, everything that belongs to an agency.
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=False,
                                      server_default="en-US"))


def downgrade() -> None:
    """Drop agencies.locale (answers are ISO dates whatever the locale; nothing else changes)."""
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("locale")
