"""Fixtures for agencies, tokens, webhooks and the API: agencies with submissions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry as agencies
from ivig_home.checklist import assess
from ivig_home.intake import drafts, submissions
from ivig_home.models import Agency, Submission
from ivig_home.webhooks.sender import EXTENSION
from tests.agency.receiver import Receiver, start_receiver, stop_receiver
from tests.answers import example
from tests.conftest import dispose, sqlite_app


def make_agency(slug: str, **options: Any) -> Agency:
    """Create an agency with a name and phone of its own."""
    name = slug.replace("-", " ").title() + " Home Infusion"
    return agencies.create_agency(slug, name, "555-0142", **options).agency


def submit(agency: Agency, name: str = "clinical-risk-factors",
           pdf: bytes | None = None) -> Submission:
    """Fill in and send a draft of one of the examples for the agency."""
    document = example(name)
    draft = drafts.start_draft(agency)
    drafts.save_draft(draft, document["answers"], "confirm")
    return submissions.submit_draft(draft, assess(document), pdf)


@pytest.fixture
def harbour(app: Flask) -> Iterator[Agency]:
    """Yield an agency, inside an app context."""
    with app.app_context():
        yield make_agency("harbour", colour="#0b3d2e",
                          allowed_origins=["https://www.harbour.example"])


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
