"""Patients of an agency, which submission is whose, invitations, attempts counted in the
database, and the audit actions for patient pages.

New tables only: patients, patient_submissions (a submission's patient; a row per
submission, so submissions itself is not rebuilt), invitations, invitation_links (the keyed
hash of each link's token, one row per link sent) and attempts. The audit log's allowed
actions grow by five. On SQLite that check is changed by rebuilding audit_log, which drops
its append-only triggers with the old table: they are made again here (as in e4a6c8f0b2d4).

Existing submissions get their patients from `ivig-home link-patients`, which `init-db`
runs after upgrading: matching needs the keys, which a migration does not hold.

A downgrade drops the five tables and the audit entries of the five new actions.

Revision ID: e7a9c1d3f5b8
Revises: d4f6a8c0e2b5
Create Date: 2026-12-07 16:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7a9c1d3f5b8"
down_revision = "d4f6a8c0e2b5"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("viewed", "downloaded", "reviewed", "exported", "logged_in", "failed_login",
               "purged", "submitted", "flag_reviewed", "viewed_queue", "logged_out",
               "locked_out", "user_added", "user_disabled", "user_enabled", "settings_changed",
               "reopened")
NEW_ACTIONS = OLD_ACTIONS + ("viewed_patients", "viewed_patient", "linked_patient",
                             "split_patient", "invited_patient")
MESSAGE = "the audit log is append-only"
SQLITE_TRIGGERS = tuple(
    f"""CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for event in ("UPDATE", "DELETE"))
SQLITE_DROP_TRIGGERS = ("DROP TRIGGER IF EXISTS audit_log_no_update",
                        "DROP TRIGGER IF EXISTS audit_log_no_delete")


def _actions(words: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{word}'" for word in words) + ")"


def _allow_actions(words: tuple[str, ...]) -> None:
    """Change the audit log's check of actions, keeping it append-only afterwards."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in SQLITE_DROP_TRIGGERS:
            op.execute(statement)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch_op.create_check_constraint("action", _actions(words))
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade() -> None:
    """Add the patients, their submissions, invitations and their links, and the attempts;
    allow the new audit actions."""
    op.create_table(
        "patients",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("match_hash", sa.String(length=64), nullable=False),
        sa.Column("identity_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"],
                                name=op.f("fk_patients_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
    )
    op.create_index("ix_patients_match", "patients", ["agency_id", "match_hash"])
    op.create_table(
        "patient_submissions",
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("planned_infusion_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_patient_submissions_patient_id_patients"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_patient_submissions_submission_id_submissions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_patient_submissions")),
    )
    op.create_index("ix_patient_submissions_patient", "patient_submissions",
                    ["patient_id", "created_at"])
    op.create_table(
        "attempts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_attempts")),
    )
    op.create_index(op.f("ix_attempts_locked_until"), "attempts", ["locked_until"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("infusion_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("draft_id", sa.String(length=64), nullable=True),
        sa.Column("submission_id", sa.String(length=64), nullable=True),
        sa.Column("emailed_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"],
                                name=op.f("fk_invitations_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_invitations_patient_id_patients"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_invitations_submission_id_submissions"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("draft_id", name=op.f("uq_invitations_draft_id")),
    )
    op.create_index(op.f("ix_invitations_agency_id"), "invitations", ["agency_id"])
    op.create_index(op.f("ix_invitations_expires_at"), "invitations", ["expires_at"])
    op.create_index(op.f("ix_invitations_patient_id"), "invitations", ["patient_id"])
    op.create_table(
        "invitation_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invitation_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"],
                                name=op.f("fk_invitation_links_invitation_id_invitations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_invitation_links")),
    )
    op.create_index(op.f("ix_invitation_links_invitation_id"), "invitation_links",
                    ["invitation_id"])
    _allow_actions(NEW_ACTIONS)


def _delete_new_entries() -> None:
    """Remove the audit entries of the new actions, past the append-only guard."""
    dialect = op.get_bind().dialect.name
    delete = sa.text("DELETE FROM audit_log WHERE action NOT IN :old").bindparams(
        sa.bindparam("old", list(OLD_ACTIONS), expanding=True))
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        op.execute(delete)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        for statement in SQLITE_DROP_TRIGGERS:
            op.execute(statement)
        op.execute(delete)
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    """Drop the five tables and the audit entries only the new actions could make."""
    _delete_new_entries()
    _allow_actions(OLD_ACTIONS)
    op.drop_index(op.f("ix_invitation_links_invitation_id"), table_name="invitation_links")
    op.drop_table("invitation_links")
    for index in ("patient_id", "expires_at", "agency_id"):
        op.drop_index(op.f(f"ix_invitations_{index}"), table_name="invitations")
    op.drop_table("invitations")
    op.drop_index(op.f("ix_attempts_locked_until"), table_name="attempts")
    op.drop_table("attempts")
    op.drop_index("ix_patient_submissions_patient", table_name="patient_submissions")
    op.drop_table("patient_submissions")
    op.drop_index("ix_patients_match", table_name="patients")
    op.drop_table("patients")
