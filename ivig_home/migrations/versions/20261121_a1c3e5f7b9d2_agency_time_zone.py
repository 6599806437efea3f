"""Each agency's time zone, for the times nurses and patients read.

Revision ID: a1c3e5f7b9d2
Revises: 2f94cc09bc43
Create Date: 2026-11-21 09:45:00.000000

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "a1c3e5f7b9d2"
down_revision = "2f94cc09bc43"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add agencies.time_zone; existing agencies get the app's TIME_ZONE setting."""
    # A plain ADD COLUMN with a default: rebuilding agencies on SQLite would delete, through
    # the foreign keys, everything that belongs to an agency.
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=False,
                                      server_default="UTC"))
    configured = str(current_app.config.get("TIME_ZONE") or "UTC")
    if configured != "UTC":
        op.execute(sa.text("UPDATE agencies SET time_zone = :zone").bindparams(zone=configured))


def downgrade() -> None:
    """Drop agencies.time_zone (times were stored in UTC all along; nothing else changes)."""
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("time_zone")
