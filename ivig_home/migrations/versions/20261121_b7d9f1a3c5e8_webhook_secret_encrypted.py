"""Webhook secrets encrypted at rest: agencies.webhook_secret becomes webhook_secret_enc.

Revision ID: b7d9f1a3c5e8
Revises: a1c3e5f7b9d2
Create Date: 2026-11-21 09:50:00.000000

"""

import json

import sqlalchemy as sa
from alembic import op

# The app's keyring (instance/encryption_keys or IVIG_HOME_ENCRYPTION_KEYS): the migrations
# run inside the app (flask db upgrade, ivig-home init-db), so it is the one the app uses.
from ivig_home.crypto import keyring, sealed_context

# revision identifiers, used by Alembic.
revision = "b7d9f1a3c5e8"
down_revision = "a1c3e5f7b9d2"
branch_labels = None
depends_on = None

AGENCIES = sa.table("agencies", sa.column("id", sa.Integer),
                    sa.column("webhook_secret", sa.String(200)),
                    sa.column("webhook_secret_enc", sa.LargeBinary))


def _context(agency_id: int) -> str:
    # The same binding as models.agency.webhook_secret_context, written out so that this
    # migration keeps its meaning if the model changes.
    return sealed_context("agencies", "webhook_secret_enc", str(agency_id))


def upgrade() -> None:
    """Add the encrypted column, encrypt every plain secret into it, drop the plain column."""
    # Plain ADD and DROP COLUMN only: rebuilding agencies on SQLite would delete its children
    # (see 2f94cc09bc43).
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("webhook_secret_enc", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(AGENCIES.c.id, AGENCIES.c.webhook_secret).where(
        AGENCIES.c.webhook_secret.is_not(None))).all()
    for agency_id, secret in rows:
        # As crypto.seal writes it: the value as JSON, under the current key.
        sealed = keyring().seal(json.dumps(secret, ensure_ascii=False).encode(),
                                _context(agency_id))
        bind.execute(sa.update(AGENCIES).where(AGENCIES.c.id == agency_id)
                     .values(webhook_secret_enc=sealed))
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("webhook_secret")


def downgrade() -> None:
    """Put the secrets back in plain text, in webhook_secret, and drop the encrypted column."""
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=200), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(AGENCIES.c.id, AGENCIES.c.webhook_secret_enc).where(
        AGENCIES.c.webhook_secret_enc.is_not(None))).all()
    for agency_id, blob in rows:
        secret = str(json.loads(keyring().open(bytes(blob), _context(agency_id))))
        bind.execute(sa.update(AGENCIES).where(AGENCIES.c.id == agency_id)
                     .values(webhook_secret=secret))
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("webhook_secret_enc")

