"""The FHIR R4 endpoint at /fhir: a QuestionnaireResponse sent by another system becomes a
submission exactly as the form's Send makes one (flags, PDF, queue, webhook, audit), on SQLite
and PostgreSQL, and reads back as it was stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry
from ivig_home.api import fhir
from ivig_home.checklist import assess
from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import Agency, AuditEntry, Submission, WebhookDelivery
from tests.agency_support import make_agency
from tests.answers import example
from tests.api.fhir_support import (
    EXAMPLES,
    FHIR_JSON,
    bearer,
    issue_about,
    post,
    question,
    response_of,
    row_counts,
)
from tests.pdf_tools import text_of
from tests.staff.support import World


def flags_of(assessment: dict[str, object]) -> list[tuple[object, object]]:
    return [(flag["item"], flag["severity"]) for flag in assessment["flags"]]  # type: ignore


@pytest.fixture
def hooked(harbour: Agency) -> Agency:
    """The harbour agency with a webhook, so a new submission enqueues a delivery."""
    registry.update_agency(harbour, webhook_url="https://hooks.harbour.example/ivig")
    return harbour


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_posted_response_is_stored_as_the_forms_submission_with_the_same_flags(
        client: FlaskClient, token: str, hooked: Agency, name: str) -> None:
    before = row_counts()
    response = post(client, token, response_of(name))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == FHIR_JSON
    stored = QuestionnaireResponse.model_validate(response.get_json())
    location = response.headers["Location"]
    assert location == f"/fhir/QuestionnaireResponse/{stored.id}"
    submission = db.session.get(Submission, stored.id)  # the id /api/v1 and webhooks use
    assert submission is not None and submission.agency_id == hooked.id
    document = example(name)
    assessment = assess(document)  # what `ivig-home assess examples/NAME.json` prints
    got = submissions.submission_assessment(submission)
    assert flags_of(got) == flags_of(assessment.to_dict())
    assert got["counts"] == assessment.to_dict()["counts"]
    assert submission.completed_on.isoformat() == document["completed_on"]
    highest = assessment.highest_severity
    assert submission.highest_severity == (highest.value if highest else None)
    assert submission.status == "new"
    after = row_counts()
    for table in ("submissions", "drafts", "issued_pdfs", "webhook_deliveries"):
        assert after[table] == before[table] + 1, table
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.submission_id == submission.id
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.submission_id == submission.id)).all()
    assert [(row.action, row.actor.split(":")[0]) for row in audit] == [
        ("submitted", "api-token")]
    pdf = " ".join(text_of(submissions.submission_pdf(submission) or b"").split())
    assert submission.reference in pdf and "Harbour Home Infusion" in pdf
    again = client.get(location, headers=bearer(token))
    assert again.status_code == 200 and again.get_json() == response.get_json()
    assert fhir.answers(again.get_json()) == submissions.submission_answers(submission)


def test_an_emergency_answer_is_stored_and_put_first_in_the_nurses_queue(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    with world.app.app_context():
        demo = db.session.get(Agency, world.own["agency"])
        assert demo is not None
        token = tokens.create_token(demo, "tests")[1]
    resource = response_of("nothing-to-flag")
    answer = question(resource, "breathing_trouble_now")["answer"][0]["valueCoding"]
    answer.update(code="LA33-6", display="Yes")
    created = post(world.app.test_client(), token, resource)
    assert created.status_code == 201, created.get_data(as_text=True)
    with world.app.app_context():
        submission = db.session.get(Submission, created.get_json()["id"])
        assert submission is not None and submission.highest_severity == "emergency"
        assert submissions.submission_answers(submission)["breathing_trouble_now"] == "yes"
        reference = submission.reference
        risks = db.session.get(Submission, world.own["risks"])
        assert risks is not None
        later = risks.reference
    page = as_user("nurse@demo.test").get("/staff/").get_data(as_text=True)
    rows = page[page.index("<tbody"):].split("<tr")
    mine = next(n for n, row in enumerate(rows) if reference in row)
    assert rows[mine].startswith(' class="queue__row queue__row--emergency"')
    # Emergencies come first: above the risk factors sent twenty minutes before it.
    assert mine < next(n for n, row in enumerate(rows) if later in row)


def test_the_api_shows_the_posted_submission_like_any_other(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    created = post(client, token, response_of("emergency"))
    sid = created.headers["Location"].rsplit("/", 1)[1]
    body = client.get(f"/api/v1/submissions/{sid}", headers=bearer(token)).get_json()
    assert body["highest_severity"] == "emergency" and body["counts"]["emergency"] == 1
    assert body["answers"]["breathing_trouble_now"] == "yes"
    assert body["completed_on"] == example("emergency")["completed_on"]
    export = client.get(f"/api/v1/submissions/{sid}/fhir", headers=bearer(token))
    assert export.status_code == 200
    assert fhir.answers(export.get_json()) == fhir.answers(created.get_json())


def test_prefer_return_minimal_gives_the_location_without_a_body(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    created = post(client, token, response_of("nothing-to-flag"), Prefer="return=minimal")
    assert created.status_code == 201 and created.data == b""
    assert client.get(created.headers["Location"], headers=bearer(token)).status_code == 200


def test_the_day_in_authored_is_the_completion_day_in_the_agencys_zone(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    registry.update_agency(harbour, time_zone="America/New_York")
    resource = response_of("nothing-to-flag")
    resource["authored"] = "2026-11-22T03:00:00Z"  # still the 21st in New York
    created = post(client, token, resource)
    submission = db.session.get(Submission, created.get_json()["id"])
    assert submission is not None and submission.completed_on.isoformat() == "2026-11-21"


def test_new_ids_are_fhir_ids_and_older_ids_read_with_a_dot_for_the_underscore(
        client: FlaskClient, token: str, harbour: Agency,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert not any("_" in submissions.new_id() for _ in range(500))
    monkeypatch.setattr(submissions, "new_id", lambda: "stored_before_ids_were_fhir_ids")
    created = post(client, token, response_of("nothing-to-flag"))
    assert created.headers["Location"].endswith("/stored.before.ids.were.fhir.ids")
    QuestionnaireResponse.model_validate(created.get_json())
    for written in ("stored.before.ids.were.fhir.ids", "stored_before_ids_were_fhir_ids"):
        read = client.get(f"/fhir/QuestionnaireResponse/{written}", headers=bearer(token))
        assert read.get_json()["id"] == "stored.before.ids.were.fhir.ids"
    assert client.get("/api/v1/submissions/stored_before_ids_were_fhir_ids",
                      headers=bearer(token)).status_code == 200


def test_a_response_is_stored_or_refused_whole_on_each_database(db_app: Flask) -> None:
    agency = make_agency("riverside")
    token = tokens.create_token(agency, "tests")[1]
    client = db_app.test_client()
    refused = response_of("emergency")
    del question(refused, "patient_name")["answer"]
    before = row_counts()
    answer = post(client, token, refused)
    assert answer.status_code == 422
    assert "missing" in issue_about(answer, "patient_name")["details"]["text"]
    assert row_counts() == before
    created = post(client, token, response_of("emergency"))
    assert created.status_code == 201
    submission = db.session.get(Submission, created.get_json()["id"])
    assert submission is not None and submission.highest_severity == "emergency"
    assert row_counts()["submissions"] == before["submissions"] + 1
    day = submission.created_at.date().isoformat()
    found = client.get(f"/fhir/QuestionnaireResponse?authored={day}&authored=ge{day}",
                       headers=bearer(token)).get_json()
    assert [entry["resource"]["id"] for entry in found["entry"]] == [submission.id]
