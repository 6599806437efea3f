"""What the FHIR endpoint tests share: requests with a token, responses made from the
examples, the rows a request may add, and the issues of an OperationOutcome."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fhir.resources.R4B.operationoutcome import OperationOutcome
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home.api import fhir
from ivig_home.db import db
from ivig_home.models import AuditEntry, Draft, IssuedPdf, Submission, WebhookDelivery
from tests.answers import example

EXAMPLES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "examples")
                  .glob("*.json"))
FHIR_JSON = "application/fhir+json; charset=utf-8"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(client: FlaskClient, token: str, resource: Any, **headers: str) -> Any:
    """POST a resource (or raw text) to /fhir/QuestionnaireResponse with the token."""
    body = resource if isinstance(resource, str | bytes) else json.dumps(resource)
    return client.post("/fhir/QuestionnaireResponse", data=body,
                       headers={**bearer(token), "Content-Type": "application/fhir+json",
                                **headers})


def response_for(document: dict[str, Any]) -> dict[str, Any]:
    """Return an answers document as a QuestionnaireResponse a renderer would send: authored
    at noon UTC on its completion day, no id of its own."""
    resource = fhir.questionnaire_response(
        document["answers"], reference="unused",
        authored=datetime.fromisoformat(f"{document['completed_on']}T12:00:00+00:00"))
    del resource["id"], resource["identifier"]
    return resource


def response_of(name: str) -> dict[str, Any]:
    """Return examples/NAME.json as a QuestionnaireResponse (response_for)."""
    return response_for(example(name))


def question(resource: dict[str, Any], link: str) -> dict[str, Any]:
    """Return the response item of one question."""
    return next(entry for group in resource["item"] for entry in group["item"]
                if entry["linkId"] == link)


def row_counts() -> dict[str, int]:
    """Return how many rows each table a submission writes to holds."""
    db.session.expire_all()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Submission, Draft, IssuedPdf, AuditEntry, WebhookDelivery)}


def issues(response: Any) -> list[dict[str, Any]]:
    """Return the issues of an OperationOutcome answer, checking it is one, in FHIR JSON."""
    assert response.headers["Content-Type"] == FHIR_JSON
    body = response.get_json()
    OperationOutcome.model_validate(body)
    found: list[dict[str, Any]] = body["issue"]
    return found


def issue_about(response: Any, link: str) -> dict[str, Any]:
    """Return the one issue whose expression names this linkId (or element)."""
    named = [issue for issue in issues(response)
             if any(link in where for where in issue.get("expression", []))]
    assert len(named) == 1, json.dumps(issues(response), indent=1)
    return named[0]
