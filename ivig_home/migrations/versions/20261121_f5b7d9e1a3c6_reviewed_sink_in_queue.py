"""Submissions whose review is filed go below every submission still to review.

queue_tier gains a fourth value, 3, for filed reviews (a re-opened review goes back to its
severity's tier). Only the rows' values change: the column and its indexes stay.

Revision ID: f5b7d9e1a3c6
Revises: e4a6c8f0b2d4
Create Date: 2026-11-21 11:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f5b7d9e1a3c6"
down_revision = "e4a6c8f0b2d4"
branch_labels = None
depends_on = None

REST_TIER = 2  # ranks 0 (emergency) and 1 (urgent) are tiers of their own, the rest is 2
REVIEWED_TIER = 3


def upgrade() -> None:
    """Move the filed reviews to the last tier."""
    op.execute(sa.text("UPDATE submissions SET queue_tier = :reviewed WHERE status = 'reviewed'")
               .bindparams(reviewed=REVIEWED_TIER))


def downgrade() -> None:
    """Give the filed reviews their severity's tier again."""
    op.execute(sa.text(
        "UPDATE submissions SET queue_tier = CASE WHEN severity_rank < :rest THEN severity_rank "
        "ELSE :rest END WHERE status = 'reviewed'").bindparams(rest=REST_TIER))
