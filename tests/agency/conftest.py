"""Fixtures for agencies, tokens, webhooks and the API: agencies with submissions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from ivig_home.agencies import api_tokens as tokens
from ivig_home.models import Agency
from ivig_home.webhooks.sender import EXTENSION
from tests.agency.receiver import Receiver, start_receiver, stop_receiver
from tests.agency_support import make_harbour
from tests.apps import dispose, sqlite_app


@pytest.fixture
def harbour(app: Flask) -> Iterator[Agency]:
    """Yield an agency, inside an app context."""
    with app.app_context():
        yield make_harbour()


@pytest.fixture
def token(harbour: Agency) -> str:
    """Return a live API token of the harbour agency."""
    return tokens.create_token(harbour, "tests")[1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Yield a local webhook receiver, stopped afterwards."""
    started = start_receiver()
    yield started
    stop_receiver(started)


@pytest.fixture
def background_app(tmp_path: Path, sqlite_template: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an app that sends webhooks from a background thread (4 s timeout).

    The receiver is on 127.0.0.1, so private hosts are allowed explicitly.
    """
    app = sqlite_app(tmp_path / "instance", sqlite_template, monkeypatch, demo=False,
                     WEBHOOKS_SEND_IN_BACKGROUND=True, WEBHOOK_TIMEOUT_SECONDS=4,
                     WEBHOOK_ALLOW_PRIVATE_HOSTS=True)
    yield app
    app.extensions[EXTENSION].stop()
    dispose(app)


@pytest.fixture
def webhook_app(app: Flask) -> Flask:
    """The SQLite app, allowed to send to the receiver on 127.0.0.1."""
    app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    return app


@pytest.fixture
def webhook_db_app(db_app: Flask) -> Flask:
    """The app on each database, allowed to send to the receiver on 127.0.0.1."""
    db_app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = True
    return db_app
