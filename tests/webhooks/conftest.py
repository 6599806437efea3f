"""Fixtures for webhooks: a local receiver, and apps that may send to it on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from ivig_home.webhooks.sender import EXTENSION
from tests.apps import dispose, sqlite_app
from tests.webhooks.receiver import Receiver, start_receiver, stop_receiver


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
