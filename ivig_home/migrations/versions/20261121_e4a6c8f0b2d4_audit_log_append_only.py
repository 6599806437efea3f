"""The audit log is append-only in the database too: updates and deletes are refused.

The app already refuses them through the ORM (ivig_home.models.audit); these triggers also
stop a Core statement, a raw SQL statement or another client. Entries are never removed:
they keep plain ids, so they outlive the submissions that retention purges.

A later migration that rebuilds audit_log on SQLite (batch_alter_table copies the table)
drops these triggers with it and must create them again.

Revision ID: e4a6c8f0b2d4
Revises: c2e4a6b8d0f1
Create Date: 2026-11-21 11:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e4a6c8f0b2d4"
down_revision = "c2e4a6b8d0f1"
branch_labels = None
depends_on = None

MESSAGE = "the audit log is append-only"

POSTGRES_UP = (
    f"""CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END
    $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
)
POSTGRES_DOWN = (
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "DROP FUNCTION audit_log_append_only()",
)
SQLITE_UP = tuple(
    f"""CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for event in ("UPDATE", "DELETE"))
SQLITE_DOWN = ("DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete")


def _statements(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return postgres
    if dialect == "sqlite":
        return sqlite
    raise NotImplementedError(f"no audit-log triggers written for {dialect}")


def upgrade() -> None:
    """Refuse every update and delete of an audit entry."""
    for statement in _statements(POSTGRES_UP, SQLITE_UP):
        op.execute(statement)


def downgrade() -> None:
    """Remove the triggers (the ORM still refuses changes)."""
    for statement in _statements(POSTGRES_DOWN, SQLITE_DOWN):
        op.execute(statement)
