"""Webhook signing secrets are stored encrypted (on SQLite and PostgreSQL), and still sign."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy
from cryptography.exceptions import InvalidTag
from flask import Flask
from sqlalchemy import select, text
from standardwebhooks.webhooks import Webhook

from ivig_home.agencies import registry as agencies
from ivig_home.cli import cli
from ivig_home.crypto import key_id, keyring
from ivig_home.db import db
from ivig_home.models import Agency
from ivig_home.webhooks import outbox as webhooks
from tests.agency_support import submit
from tests.webhooks.receiver import Receiver


def _stored_values() -> list[object]:
    """Return every value of every agencies row, as the database holds it."""
    return [value for row in db.session.execute(text("SELECT * FROM agencies")).all()
            for value in row]


def _holds(values: list[object], secret: str) -> bool:
    for value in values:
        if isinstance(value, memoryview):
            value = bytes(value)
        if isinstance(value, bytes) and secret.encode() in value:
            return True
        if isinstance(value, str) and secret in value:
            return True
    return False


def _database_files(app: Flask) -> list[Path]:
    """Return the SQLite database file and its journal files (none for PostgreSQL)."""
    url = str(db.engine.url)
    if not url.startswith("sqlite:///"):
        return []
    main = Path(url.removeprefix("sqlite:///"))
    return [path for path in main.parent.glob(main.name + "*") if path.is_file()]


def _verify_a_delivery(agency: Agency, secret: str, receiver: Receiver) -> None:
    already = len(receiver.received)
    submit(agency)
    assert webhooks.deliver_due().delivered == 1
    got = receiver.received[already]
    Webhook(secret).verify(got.body, dict(got.headers.items()))


def test_the_secret_is_never_stored_in_plain_text_and_still_signs(
        db_app: Flask, receiver: Receiver) -> None:
    db_app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    made = agencies.create_agency("sealed", "Sealed Home Infusion", "555-0142",
                                  webhook_url=receiver.url)
    shown = made.webhook_secret
    assert shown.startswith("whsec_")
    columns = {c["name"] for c in sqlalchemy.inspect(db.engine).get_columns("agencies")}
    assert "webhook_secret" not in columns and "webhook_secret_enc" in columns
    assert not _holds(_stored_values(), shown)
    blob = db.session.scalar(text("SELECT webhook_secret_enc FROM agencies WHERE slug = "
                                  "'sealed'"))
    assert key_id(bytes(blob)) == keyring().current_id
    renewed = agencies.rotate_webhook_secret(made.agency)
    assert renewed != shown and not _holds(_stored_values(), renewed)
    db.session.remove()
    for path in _database_files(db_app):
        content = path.read_bytes()
        assert shown.encode() not in content and renewed.encode() not in content
    agency = db.session.scalar(select(Agency).where(Agency.slug == "sealed"))
    assert agency is not None and agency.webhook_secret == renewed
    _verify_a_delivery(agency, renewed, receiver)


def test_rotate_key_re_encrypts_the_secret_and_it_still_signs(
        db_app: Flask, receiver: Receiver) -> None:
    db_app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    made = agencies.create_agency("turning", "Turning Home Infusion", "555-0142",
                                  webhook_url=receiver.url)
    agency_id, secret = made.agency.id, made.webhook_secret
    before = key_id(made.agency.webhook_secret_enc)  # type: ignore[arg-type]
    db.session.remove()  # the command works in a session of its own
    result = db_app.test_cli_runner().invoke(cli, ["rotate-key", "--forget-old"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted under key" in result.output and f"Keys removed: {before}" in result.output
    db.session.expire_all()
    keyring().refresh()
    agency = db.session.get(Agency, agency_id)
    assert agency is not None and agency.webhook_secret_enc is not None
    assert key_id(agency.webhook_secret_enc) == keyring().current_id != before
    assert agency.webhook_secret == secret
    assert not _holds(_stored_values(), secret)
    _verify_a_delivery(agency, secret, receiver)


def test_a_secret_copied_to_another_agency_does_not_open(db_app: Flask) -> None:
    first = agencies.create_agency("first", "First Home Infusion", "555-0142").agency
    second = agencies.create_agency("second", "Second Home Infusion", "555-0142").agency
    second.webhook_secret_enc = first.webhook_secret_enc
    with pytest.raises(InvalidTag):  # the blob is bound to the first agency's row
        _ = second.webhook_secret
    db.session.rollback()
