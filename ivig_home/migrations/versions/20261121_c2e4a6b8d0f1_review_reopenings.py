"""Re-opening a filed review: the review_reopenings table and the 'reopened' audit action.

Revision ID: c2e4a6b8d0f1
Revises: b7d9f1a3c5e8
Create Date: 2026-11-21 09:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c2e4a6b8d0f1"
down_revision = "b7d9f1a3c5e8"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("viewed", "downloaded", "reviewed", "exported", "logged_in", "failed_login",
               "purged", "submitted", "flag_reviewed", "viewed_queue", "logged_out",
               "locked_out", "user_added", "user_disabled", "user_enabled", "settings_changed")
NEW_ACTIONS = OLD_ACTIONS + ("reopened",)


def _actions(words: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{word}'" for word in words) + ")"


def upgrade() -> None:
    """Add the table of re-openings and allow the new audit action."""
    op.create_table(
        "review_reopenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("reviewed_pdf_id", sa.Integer(), nullable=False),
        sa.Column("reopened_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reopened_by"],
            ["staff_users.id"],
            name=op.f("fk_review_reopenings_reopened_by_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_pdf_id"],
            ["reviewed_pdfs.id"],
            name=op.f("fk_review_reopenings_reviewed_pdf_id_reviewed_pdfs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_review_reopenings_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reopenings")),
    )
    with op.batch_alter_table("review_reopenings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_reopenings_submission_id"), ["submission_id"], unique=False
        )

    # Only audit_log, which nothing refers to, is rebuilt on SQLite.
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch_op.create_check_constraint("action", _actions(NEW_ACTIONS))


def downgrade() -> None:
    """Drop the table; audit entries of re-openings go with it."""
    op.execute(sa.text("DELETE FROM audit_log WHERE action NOT IN :old").bindparams(
        sa.bindparam("old", list(OLD_ACTIONS), expanding=True)))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch_op.create_check_constraint("action", _actions(OLD_ACTIONS))

    with op.batch_alter_table("review_reopenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_reopenings_submission_id"))
    op.drop_table("review_reopenings")
