"""The API's Schemathesis run again on PostgreSQL, whose text columns refuse input SQLite
takes (a NUL character): every generated request answered as documented, none a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from ivig_home.maintenance import init_db
from tests.agency.test_api_fuzz import (  # noqa: F401 (the test and its fixture, run again)
    real_ids,
    test_the_api_answers_every_generated_request_as_documented,
)
from tests.conftest import NO_POSTGRES, POSTGRES, _empty_tables, dispose, make_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an app on this session's PostgreSQL database, emptied."""
    if not POSTGRES:
        pytest.skip(NO_POSTGRES)
    url: str = request.getfixturevalue("postgres_url")
    made = make_app(tmp_path / "instance", url, monkeypatch)
    _empty_tables(made)
    with made.app_context():
        init_db(demo=True)
    yield made
    dispose(made)
