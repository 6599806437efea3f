"""The FHIR R4 endpoint at /fhir: a QuestionnaireResponse sent by another system becomes a
submission exactly as the form's Send makes one (flags, PDF, queue, webhook, audit), and is
read back and found by date; only the token's agency sees it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home.api import fhir
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import Agency, AuditEntry, Draft, IssuedPdf, Submission, WebhookDelivery
from tests.agency_support import make_agency, submit
from tests.answers import example
from tests.pdf_tools import text_of

EXAMPLES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "examples")
                  .glob("*.json"))
FHIR_JSON = "application/fhir+json; charset=utf-8"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(client: FlaskClient, token: str, resource: Any, **headers: str) -> Any:
    return client.post("/fhir/QuestionnaireResponse", data=json.dumps(resource),
                       headers={**bearer(token), "Content-Type": "application/fhir+json",
                                **headers})


def response_of(name: str) -> dict[str, Any]:
    """Return examples/NAME.json as a QuestionnaireResponse authored on its completion day."""
    document = example(name)
    resource = fhir.questionnaire_response(document["answers"], reference="ABC-1234",
                                           authored=_noon(document["completed_on"]))
    del resource["id"], resource["identifier"]
    return resource


def _noon(day: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(f"{day}T12:00:00+00:00")


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Submission, Draft, IssuedPdf, AuditEntry, WebhookDelivery)}


def flags_of(assessment: dict[str, Any]) -> list[tuple[str, str]]:
    return [(flag["item"], flag["severity"]) for flag in assessment["flags"]]


@pytest.fixture
def hooked(harbour: Agency) -> Agency:
    """The harbour agency with a webhook, so a new submission enqueues a delivery."""
    harbour.webhook_url = "https://hooks.harbour.example/ivig"
    db.session.commit()
    return harbour


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_posted_response_is_stored_as_the_forms_submission_with_the_same_flags(
        client: FlaskClient, token: str, hooked: Agency, name: str) -> None:
    before = counts()
    response = post(client, token, response_of(name))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == FHIR_JSON
    stored = QuestionnaireResponse.model_validate(response.get_json())
    location = response.headers["Location"]
    assert location == f"/fhir/QuestionnaireResponse/{stored.id}"
    submission = db.session.get(Submission, stored.id)
    assert submission is not None and submission.agency_id == hooked.id
    document = example(name)
    assessment = assess(document)
    expected = assessment.to_dict()
    got = submissions.submission_assessment(submission)
    assert flags_of(got) == flags_of(expected) and got["counts"] == expected["counts"]
    assert submission.completed_on.isoformat() == document["completed_on"]
    highest = assessment.highest_severity
    assert submission.highest_severity == (highest.value if highest else None)
    assert submission.status == "new"
    after = counts()
    assert after["submissions"] == before["submissions"] + 1
    assert after["issued_pdfs"] == before["issued_pdfs"] + 1
    assert after["webhook_deliveries"] == before["webhook_deliveries"] + 1
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.submission_id == submission.id)).all()
    assert [(row.action, row.actor.split(":")[0]) for row in audit] == [
        ("submitted", "api-token")]
    pdf = " ".join(text_of(submissions.submission_pdf(submission) or b"").split())
    assert submission.reference in pdf and "Harbour Home Infusion" in pdf
    again = client.get(location, headers=bearer(token))
    assert again.status_code == 200 and again.get_json() == response.get_json()
    assert fhir.answers(again.get_json()) == submissions.submission_answers(submission)


def test_the_api_shows_the_posted_submission_like_any_other(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    created = post(client, token, response_of("emergency"))
    sid = created.headers["Location"].rsplit("/", 1)[1]
    body = client.get(f"/api/v1/submissions/{sid}", headers=bearer(token)).get_json()
    assert body["highest_severity"] == "emergency" and body["counts"]["emergency"] == 1
    assert body["answers"]["breathing_trouble_now"] == "yes"
    export = client.get(f"/api/v1/submissions/{sid}/fhir", headers=bearer(token))
    assert export.status_code == 200
    assert fhir.answers(export.get_json()) == fhir.answers(created.get_json())


def test_another_agencys_response_is_a_404_outcome(client: FlaskClient, token: str,
                                                   harbour: Agency) -> None:
    other = submit(make_agency("lakeside"), "nothing-to-flag")
    response = client.get(f"/fhir/QuestionnaireResponse/{other.id}", headers=bearer(token))
    assert response.status_code == 404 and response.headers["Content-Type"] == FHIR_JSON
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert "Lakeside" not in response.get_data(as_text=True)


def test_a_search_by_date_finds_the_agencys_own(client: FlaskClient, token: str,
                                                harbour: Agency) -> None:
    own = submit(harbour, "nothing-to-flag")
    submit(make_agency("lakeside"), "nothing-to-flag")
    day = own.created_at.date()
    response = client.get(f"/fhir/QuestionnaireResponse?authored=ge{day}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    found = Bundle.model_validate(response.get_json())
    assert found.type == "searchset" and found.total == 1
    assert [entry.resource.id for entry in found.entry] == [own.id]
