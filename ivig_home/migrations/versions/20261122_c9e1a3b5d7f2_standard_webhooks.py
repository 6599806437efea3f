"""Standard Webhooks: new agency secrets, a message id per delivery, the new payload shape.

Secrets made before were 'whsec_' and URL-safe base64, which Standard Webhooks libraries
decode (without a word) into a different key than the one that signed. Each agency that has
a secret gets a new one in the standard format, and `webhook_secret_replaced_at` records
that it did: nobody has seen the new secret, so `ivig-home show-agency` says to make one
afresh (which shows it, once, and clears the note). Each delivery gets a `message_id`, sent
as `webhook-id`; a delivery still waiting is rewritten as {"type", "timestamp", "data"}.

The downgrade keeps the new secrets (the old ones are gone) and puts back the old shape.

Revision ID: c9e1a3b5d7f2
Revises: a8c0e2f4b6d9
Create Date: 2026-11-22 09:00:00.000000

"""

import base64
import json
import logging
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

# The app's keyring (instance/encryption_keys or IVIG_HOME_ENCRYPTION_KEYS): the migrations
# run inside the app (flask db upgrade, ivig-home init-db), so it is the one the app uses.
from ivig_home.crypto import keyring, sealed_context

# revision identifiers, used by Alembic.
revision = "c9e1a3b5d7f2"
down_revision = "a8c0e2f4b6d9"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

AGENCIES = sa.table("agencies", sa.column("id", sa.Integer),
                    sa.column("webhook_secret_enc", sa.LargeBinary),
                    sa.column("webhook_secret_replaced_at", sa.DateTime))
DELIVERIES = sa.table("webhook_deliveries", sa.column("id", sa.Integer),
                      sa.column("message_id", sa.String(40)),
                      sa.column("event", sa.String(40)), sa.column("payload", sa.JSON),
                      sa.column("delivered_at", sa.DateTime))


def _context(agency_id: int) -> str:
    # The same binding as models.agency.webhook_secret_context, written out so that this
    # migration keeps its meaning if the model changes.
    return sealed_context("agencies", "webhook_secret_enc", str(agency_id))


def _new_secret() -> str:
    # As agencies.registry.new_webhook_secret makes it: 'whsec_' and base64 of 32 bytes.
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _new_shape(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in payload.items() if key != "event"}
    return {"type": payload.get("event", event), "timestamp": data.get("created"),
            "data": data}


def _old_shape(payload: dict[str, Any]) -> dict[str, Any]:
    return {"event": payload.get("type"), **payload.get("data", {})}


def upgrade() -> None:
    """Add the columns, give each agency with a secret a new one, reshape waiting deliveries."""
    # Plain ADD COLUMN on agencies: rebuilding it on SQLite would delete its children
    # (see 2f94cc09bc43). webhook_deliveries has none, so it may be rebuilt.
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("webhook_secret_replaced_at", sa.DateTime(),
                                      nullable=True))
    with op.batch_alter_table("webhook_deliveries", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=40), nullable=True))

    bind = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC, like UTCDateTime
    rows = bind.execute(sa.select(AGENCIES.c.id).where(
        AGENCIES.c.webhook_secret_enc.is_not(None))).scalars().all()
    for agency_id in rows:
        # As crypto.seal writes it: the value as JSON, under the current key.
        sealed = keyring().seal(json.dumps(_new_secret()).encode(), _context(agency_id))
        bind.execute(sa.update(AGENCIES).where(AGENCIES.c.id == agency_id)
                     .values(webhook_secret_enc=sealed, webhook_secret_replaced_at=now))
    if rows:
        log.warning("Replaced the webhook secret of %d agencies; `ivig-home show-agency SLUG` "
                    "says which, and `ivig-home edit-agency SLUG --new-webhook-secret` makes "
                    "one to give to the agency.", len(rows))

    deliveries = bind.execute(sa.select(DELIVERIES.c.id, DELIVERIES.c.event,
                                        DELIVERIES.c.payload, DELIVERIES.c.delivered_at)).all()
    for delivery_id, event, payload, delivered_at in deliveries:
        values: dict[str, Any] = {"message_id": f"msg_{uuid.uuid4().hex}"}
        if delivered_at is None and isinstance(payload, dict) and "type" not in payload:
            values["payload"] = _new_shape(event, payload)
        bind.execute(sa.update(DELIVERIES).where(DELIVERIES.c.id == delivery_id)
                     .values(**values))

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.alter_column("message_id", existing_type=sa.String(length=40),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_webhook_deliveries_message_id"),
                                          ["message_id"])


def downgrade() -> None:
    """Drop the columns and put waiting deliveries back in the old shape; secrets stay new."""
    bind = op.get_bind()
    deliveries = bind.execute(sa.select(DELIVERIES.c.id, DELIVERIES.c.payload).where(
        DELIVERIES.c.delivered_at.is_(None))).all()
    for delivery_id, payload in deliveries:
        if isinstance(payload, dict) and "type" in payload:
            bind.execute(sa.update(DELIVERIES).where(DELIVERIES.c.id == delivery_id)
                         .values(payload=_old_shape(payload)))
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_webhook_deliveries_message_id"),
                                 type_="unique")
        batch_op.drop_column("message_id")
    with op.batch_alter_table("agencies", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("webhook_secret_replaced_at")
