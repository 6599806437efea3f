"""Fixtures for the patient checklist: the app in a live server thread and one Chromium."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from ivig_home import create_app
from tests.apps import QUICK_STOP, dispose, sqlite_app
from tests.browser import LiveServer
from tests.patient.client import Patient

# The browser tests start and resume many drafts from one address.
GENEROUS_LIMITS = {"START_RATE_LIMIT": "1000 per minute", "RESUME_RATE_LIMIT": "1000 per minute",
                   "RESUME_FAILURE_LIMIT": 1000}


@pytest.fixture(scope="module")
def bare_app() -> Flask:
    """Return an app whose database is never touched (forms and their macros need none)."""
    return create_app({"TESTING": True, "SECRET_KEY": "forms-test-key",
                       "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture()
def ctx(bare_app: Flask) -> Iterator[None]:
    """A request context of `bare_app`, as a posted step has."""
    with bare_app.test_request_context("/", method="POST"):
        yield


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                sqlite_template: Path) -> Iterator[LiveServer]:
    """Serve the app with a database of its own in a thread for the whole session."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = sqlite_app(tmp_path_factory.mktemp("live-instance"), sqlite_template, monkeypatch,
                         **GENEROUS_LIMITS)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    dispose(app)


@pytest.fixture
def patient_app(sqlite_apps: Callable[..., Flask]) -> Callable[..., Flask]:
    """Return a maker of apps with extra settings, each on its own initialised database."""
    return sqlite_apps


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Yield a page with JavaScript, on a phone-sized window."""
    context = browser.new_context(viewport={"width": 375, "height": 800},
                                  base_url=live_server.url)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Yield a page with JavaScript turned off."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  base_url=live_server.url, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def patient(app: Flask, client: FlaskClient) -> Patient:
    """Yield a patient (the test client) who has just pressed Start now on the demo agency."""
    person = Patient(app, client)
    person.start()
    return person
