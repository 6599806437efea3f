"""The API's Schemathesis run, shared by the SQLite and the PostgreSQL test: the document, the
checks, and one generated request answered as documented (POST /api/v1/invitations among
them: every generated body is made into an invitation or refused with a documented 422)."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import checks

from ivig_home.api import openapi
from ivig_home.models import Agency
from ivig_home.patients import invitations
from tests.agency_support import make_agency, submit

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance, checks.ignored_auth]
FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much])

# The document the app serves at /api/v1/openapi.json (a test checks they are the same).
schema = schemathesis.openapi.from_dict(openapi.document())


def real_ids_of(harbour: Agency) -> dict[str, str]:
    """Return the id of one of harbour's submissions and one of another agency's, and the same
    of invitations."""
    other = make_agency("other")
    return {"own": submit(harbour, "emergency").id,
            "other": submit(other, "clinical-risk-factors").id,
            "own_invitation": _invited(harbour), "other_invitation": _invited(other)}


def _invited(agency: Agency) -> str:
    made = invitations.invite(agency, "Ana Ruiz", "1971-04-02", "2099-01-02", actor="tests")
    return made.invitation.id


def answered_as_documented(case: Any, app: Flask, token: str, real_ids: dict[str, str]) -> None:
    """Send a generated request with harbour's token; then, for a submission's address, the
    real ids: harbour's own is found, another agency's is not."""
    headers = {"Authorization": f"Bearer {token}"}
    # Each test has its own app and database; the checks' follow-up requests go to it too.
    case.operation.schema.app = case.operation.app = app
    case.call_and_validate(headers=headers, checks=CHECKS)
    for name, kind in (("submission_id", ""), ("invitation_id", "_invitation")):
        if case.method.upper() == "GET" and name in (case.path_parameters or {}):
            for which, status in (("own", 200), ("other", 404)):
                case.path_parameters[name] = real_ids[which + kind]
                case.headers = {**(case.headers or {}), **headers}
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                assert response.status_code == status
