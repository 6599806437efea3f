"""The care team's review: notice email, staff names and sessions, queue tiers, audit actions.

Revision ID: 2f94cc09bc43
Revises: dd09d13f8123
Create Date: 2026-11-21 06:54:32.693946

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2f94cc09bc43"
down_revision = "dd09d13f8123"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("viewed", "downloaded", "reviewed", "exported", "logged_in", "failed_login",
               "purged", "submitted")
NEW_ACTIONS = OLD_ACTIONS + ("flag_reviewed", "viewed_queue", "logged_out", "locked_out",
                             "user_added", "user_disabled", "user_enabled", "settings_changed")


def _actions(words: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{word}'" for word in words) + ")"


def upgrade() -> None:
    """Add the columns, the queue tier (filled from the severity rank) and the new actions."""
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("notify_email", sa.String(length=254), nullable=True))

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch_op.create_check_constraint("action", _actions(NEW_ACTIONS))
        batch_op.create_index("ix_audit_log_agency_actor", ["agency_id", "actor", "at"],
                              unique=False)

    with op.batch_alter_table("staff_users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))

    # A plain ADD COLUMN with a default. Rebuilding a table on SQLite drops the old one, and
    # with foreign keys on, dropping a parent table deletes its children (drafts, PDFs,
    # reviews; for agencies, everything): only audit_log, which nothing refers to, is rebuilt.
    with op.batch_alter_table("submissions", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("queue_tier", sa.SmallInteger(), nullable=False,
                                      server_default="2"))
    # 0 emergency, 1 urgent, 2 everything else (models.intake.tier_of).
    op.execute("UPDATE submissions SET queue_tier = severity_rank WHERE severity_rank < 2")
    with op.batch_alter_table("submissions", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_submissions_tier",
            ["agency_id", "queue_tier", sa.literal_column("created_at DESC"),
             sa.literal_column("id DESC")],
            unique=False,
        )
        batch_op.create_index(
            "ix_submissions_tier_status",
            ["agency_id", "status", "queue_tier", sa.literal_column("created_at DESC"),
             sa.literal_column("id DESC")],
            unique=False,
        )


def downgrade() -> None:
    """Drop what upgrade added; audit entries with the new actions go with them."""
    with op.batch_alter_table("submissions", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_submissions_tier_status")
        batch_op.drop_index("ix_submissions_tier")
        batch_op.drop_column("queue_tier")

    with op.batch_alter_table("staff_users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("session_token")
        batch_op.drop_column("name")

    old = ", ".join(f"'{word}'" for word in OLD_ACTIONS)
    op.execute(f"DELETE FROM audit_log WHERE action NOT IN ({old})")  # noqa: S608
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_agency_actor")
        batch_op.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch_op.create_check_constraint("action", _actions(OLD_ACTIONS))

    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("notify_email")
