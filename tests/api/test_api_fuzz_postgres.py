"""The API's Schemathesis run again on PostgreSQL, whose text columns refuse input SQLite
takes (a NUL character): every generated request answered as documented, none a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ivig_home.agencies import api_tokens as tokens
from ivig_home.maintenance import init_db
from ivig_home.models import Agency
from tests.agency_support import make_harbour
from tests.api.fuzzing import FUZZ, answered_as_documented, real_ids_of, schema
from tests.apps import NO_POSTGRES, POSTGRES, dispose, empty_tables, make_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_api_app(request: pytest.FixtureRequest, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an app on this session's PostgreSQL database, emptied."""
    if not POSTGRES:
        pytest.skip(NO_POSTGRES)
    url: str = request.getfixturevalue("postgres_url")
    made = make_app(tmp_path / "instance", url, monkeypatch)
    empty_tables(made)
    with made.app_context():
        init_db(demo=True)
    yield made
    dispose(made)


@pytest.fixture
def postgres_harbour(postgres_api_app: Flask) -> Iterator[Agency]:
    """Yield the harbour agency on PostgreSQL, inside an app context."""
    with postgres_api_app.app_context():
        yield make_harbour()


@pytest.fixture
def postgres_token(postgres_harbour: Agency) -> str:
    """Return a live API token of the harbour agency on PostgreSQL."""
    return tokens.create_token(postgres_harbour, "tests")[1]


@pytest.fixture
def postgres_real_ids(postgres_harbour: Agency) -> dict[str, str]:
    """Return the id of one of harbour's submissions and one of another agency's."""
    return real_ids_of(postgres_harbour)


@schema.parametrize()
@FUZZ
def test_the_api_answers_every_generated_request_as_documented(
        case: Any, postgres_api_app: Flask, postgres_token: str,
        postgres_real_ids: dict[str, str]) -> None:
    answered_as_documented(case, postgres_api_app, postgres_token, postgres_real_ids)
