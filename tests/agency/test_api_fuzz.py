"""Schemathesis drives every operation of /api/v1/openapi.json in-process: no server errors,
and every answer matches the document (status codes, media types, bodies, auth)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import checks

from ivig_home.api import openapi
from ivig_home.models import Agency
from tests.agency.conftest import make_agency, submit

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance, checks.ignored_auth]


@pytest.fixture
def real_ids(harbour: Agency) -> dict[str, str]:
    """Return the id of one of harbour's submissions and one of another agency's."""
    return {"own": submit(harbour, "emergency").id,
            "other": submit(make_agency("other"), "clinical-risk-factors").id}


# The document the app serves at /api/v1/openapi.json (a test checks they are the same).
schema = schemathesis.openapi.from_dict(openapi.document())


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_answers_every_generated_request_as_documented(
        case: Any, app: Flask, token: str, real_ids: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    # Each test has its own app and database; the checks' follow-up requests go to it too.
    case.operation.schema.app = case.operation.app = app
    case.call_and_validate(headers=headers, checks=CHECKS)
    if case.method.upper() == "GET" and "submission_id" in (case.path_parameters or {}):
        for which, status in (("own", 200), ("other", 404)):
            case.path_parameters["submission_id"] = real_ids[which]
            case.headers = {**(case.headers or {}), **headers}
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            assert response.status_code == status


def test_the_fuzzed_document_is_the_one_served(app: Flask) -> None:
    assert app.test_client().get("/api/v1/openapi.json").get_json() == openapi.document()
