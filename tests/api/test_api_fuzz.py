"""Schemathesis drives every operation of /api/v1/openapi.json in-process: no server errors,
and every answer matches the document (status codes, media types, bodies, auth)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from ivig_home.api import openapi
from ivig_home.models import Agency
from tests.api.fuzzing import FUZZ, answered_as_documented, real_ids_of, schema


@pytest.fixture
def real_ids(harbour: Agency) -> dict[str, str]:
    """Return the id of one of harbour's submissions and one of another agency's."""
    return real_ids_of(harbour)


@schema.parametrize()
@FUZZ
def test_the_api_answers_every_generated_request_as_documented(
        case: Any, app: Flask, token: str, real_ids: dict[str, str]) -> None:
    answered_as_documented(case, app, token, real_ids)


def test_the_fuzzed_document_is_the_one_served(app: Flask) -> None:
    assert app.test_client().get("/api/v1/openapi.json").get_json() == openapi.document()
