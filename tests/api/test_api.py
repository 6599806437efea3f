"""The API: bearer tokens, one agency's data only, JSON errors, PDFs, FHIR, and an audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry as agencies
from ivig_home.api import fhir
from ivig_home.checklist import load
from ivig_home.db import db
from ivig_home.intake import submissions
from ivig_home.models import Agency, ApiToken, AuditEntry, Submission
from tests.agency_support import make_agency, submit
from tests.answers import example
from tests.pdf_tools import text_of

ISSUED = b"%PDF-1.7\n% the summary issued to the patient\n%%EOF\n"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sent(harbour: Agency) -> list[Submission]:
    """Return three submissions of the harbour agency, oldest first."""
    return [submit(harbour, name) for name in
            ("nothing-to-flag", "clinical-risk-factors", "emergency")]


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


def audit_rows() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.actor.like("api-token:%"))
                                   .order_by(AuditEntry.id)))


def test_the_list_shows_ids_references_and_counts_but_no_patient_data(
        api: FlaskClient, token: str, sent: list[Submission]) -> None:
    response = api.get("/api/v1/submissions", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert [row["reference"] for row in body["data"]] == [s.reference for s in sent]
    assert body["total"] == 3 and body["next"] is None
    first = body["data"][1]
    assert first["highest_severity"] == "discuss" and first["status"] == "new"
    assert first["links"]["pdf"] == f"/api/v1/submissions/{sent[1].id}/pdf"
    assert "Ana" not in response.get_data(as_text=True)
    assert first["language"] == "en"
    assert set(first) == {"id", "reference", "patient_id", "created", "status", "language",
                          "highest_severity", "counts", "links"}
    assert len(first["patient_id"]) == 22  # opaque: the name is nowhere in the answer


def test_the_list_pages_and_filters_by_since(api: FlaskClient, token: str,
                                             sent: list[Submission]) -> None:
    page = api.get("/api/v1/submissions?per_page=2", headers=bearer(token)).get_json()
    assert len(page["data"]) == 2 and page["next"] == "/api/v1/submissions?page=2&per_page=2"
    rest = api.get(page["next"], headers=bearer(token)).get_json()
    assert [row["id"] for row in rest["data"]] == [sent[2].id] and rest["next"] is None
    since = sent[1].created_at.isoformat()
    later = api.get("/api/v1/submissions", query_string={"since": since},
                    headers=bearer(token)).get_json()
    assert [row["id"] for row in later["data"]] == [sent[1].id, sent[2].id]
    future = api.get("/api/v1/submissions?since=2999-01-01T00:00:00Z", headers=bearer(token))
    assert future.get_json()["data"] == []


@pytest.mark.parametrize("query,message", [
    ("page=0", "'page' must be a whole number"),
    ("page=-1", "'page' must be a whole number"),
    ("page=abc", "'page' must be a whole number"),
    ("page=%D9%A3", "'page' must be a whole number"),  # an Arabic-Indic digit
    ("page=" + "9" * 5000, "'page' must be a whole number"),  # past int()'s digit limit
    ("per_page=101", "'per_page' must be a whole number from 1 to 100"),
    ("since=yesterday", "'since' must be an ISO 8601 date-time"),
    ("since=2026-13-01", "'since' must be an ISO 8601 date-time"),
    ("since=9999-12-31T23:59:59-23:59", "'since' must be an ISO 8601 date-time"),
])
def test_bad_query_parameters_are_a_json_400(api: FlaskClient, token: str, query: str,
                                             message: str) -> None:
    response = api.get(f"/api/v1/submissions?{query}", headers=bearer(token))
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_one_submission_gives_its_assessment_and_answers(
        api: FlaskClient, token: str, sent: list[Submission]) -> None:
    response = api.get(f"/api/v1/submissions/{sent[1].id}", headers=bearer(token))
    body = response.get_json()
    assert body["answers"] == example("clinical-risk-factors")["answers"]
    assert body["assessment"]["counts"] == {key: sent[1].count(key) for key in
                                            ("emergency", "urgent", "discuss", "prepare", "note")}
    assert {flag["item"] for flag in body["assessment"]["flags"]} >= {"kidney_problems"}
    assert body["checklist"] == {"id": "ivig_home", "version": "1.1.0"}
    assert body["completed_on"] == example("clinical-risk-factors")["completed_on"]


def test_the_pdf_is_the_one_issued_when_there_is_one(api: FlaskClient, token: str,
                                                     harbour: Agency) -> None:
    submission = submit(harbour, "nothing-to-flag", pdf=ISSUED)
    response = api.get(f"/api/v1/submissions/{submission.id}/pdf", headers=bearer(token))
    assert response.data == ISSUED and response.mimetype == "application/pdf"
    day = submission.created_at.date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ivig-summary-{submission.reference}-{day}.pdf"')


def test_the_pdf_file_name_carries_the_date_in_the_agencys_zone(
        api: FlaskClient, token: str, harbour: Agency) -> None:
    """The same name the nurse and the patient download: 11:00 UTC is the next day at UTC+14."""
    submission = submit(harbour, "nothing-to-flag", pdf=ISSUED)
    harbour.time_zone = "Pacific/Kiritimati"
    submission.created_at = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    db.session.commit()
    response = api.get(f"/api/v1/submissions/{submission.id}/pdf", headers=bearer(token))
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ivig-summary-{submission.reference}-2026-11-22.pdf"')


def test_a_missing_pdf_is_made_under_the_agencys_name_and_kept(
        api: FlaskClient, token: str, harbour: Agency) -> None:
    agencies.update_agency(harbour, phone="+1 617 555 0142")
    submission = submit(harbour, "emergency")
    first = api.get(f"/api/v1/submissions/{submission.id}/pdf", headers=bearer(token)).data
    text = " ".join(text_of(first).split())
    assert "Harbour Home Infusion" in text and "+1 617 555 0142" in text
    assert submission.reference in text
    assert submissions.submission_pdf(submission) == first
    again = api.get(f"/api/v1/submissions/{submission.id}/pdf", headers=bearer(token)).data
    assert again == first


def test_the_fhir_response_validates_and_holds_every_answer_asked(
        api: FlaskClient, token: str, sent: list[Submission]) -> None:
    response = api.get(f"/api/v1/submissions/{sent[1].id}/fhir", headers=bearer(token))
    assert response.mimetype == "application/fhir+json"
    resource = QuestionnaireResponse.model_validate(response.get_json())
    assert resource.status == "completed" and resource.id == sent[1].reference
    answered = {item.linkId: item.answer for group in resource.item for item in group.item}
    answers = example("clinical-risk-factors")["answers"]
    expected = {key for key, value in answers.items() if value not in ("", [], None)}
    assert set(answered) == expected
    kidney = answered["kidney_problems"][0].valueCoding
    assert (kidney.system, kidney.code) == ("http://loinc.org", "LA33-6")  # yes
    assert answered["date_of_birth"][0].valueDate.isoformat() == answers["date_of_birth"]
    assert answered["ack_accurate"][0].valueBoolean is True
    if isinstance(answers.get("supervised_infusions"), int):
        assert answered["supervised_infusions"][0].valueInteger == answers[
            "supervised_infusions"]


def test_the_fhir_response_names_the_checklist_version_the_submission_was_made_with(
        app: Flask, api: FlaskClient, token: str, sent: list[Submission]) -> None:
    older = sent[0]
    older.checklist_version = "1.0.0"  # sent before the checklist's wording changed
    db.session.commit()
    current = api.get(f"/api/v1/submissions/{sent[1].id}/fhir", headers=bearer(token))
    assert current.get_json()["questionnaire"].endswith("|1.1.0")
    earlier = api.get(f"/api/v1/submissions/{older.id}/fhir", headers=bearer(token))
    assert earlier.get_json()["questionnaire"].endswith("|1.0.0")


def test_the_questionnaire_validates_and_holds_every_checklist_item(api: FlaskClient) -> None:
    response = api.get("/api/v1/questionnaire")  # no token: it holds no patient data
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    resource = Questionnaire.model_validate(response.get_json())
    checklist = load()
    assert [group.linkId for group in resource.item] == [s.id for s in checklist.sections]
    questions = {item.linkId: item for group in resource.item for item in group.item}
    assert set(questions) == set(checklist.items)
    for item in checklist.items.values():
        question = questions[item.id]
        assert question.text == item.question and question.required == item.required
        values = [fhir.answer_value(item, option.valueCoding.system, option.valueCoding.code)
                  for option in question.answerOption or []]
        assert values == list(item.values) + (["none"] if item.type == "multi" else [])
        if item.when is None:
            assert not question.enableWhen
        else:
            condition = question.enableWhen[0]
            assert condition.question == item.when.item
            if item.when.equals is not None:
                other = checklist.items[item.when.item]
                coded = condition.answerCoding
                assert condition.operator == "="
                assert fhir.answer_value(other, coded.system, coded.code) == item.when.equals
            else:
                assert (condition.operator, condition.answerInteger) == (">=",
                                                                         item.when.at_least)


@pytest.mark.parametrize("kind,fhir_type,repeats", [
    ("yesno", "choice", None), ("ability", "choice", None), ("purpose", "choice", None),
    ("choice", "choice", None), ("multi", "choice", True), ("count", "integer", None),
    ("date", "date", None), ("ack", "boolean", None),
])
def test_item_types_map_to_fhir_types(api: FlaskClient, kind: str, fhir_type: str,
                                      repeats: bool | None) -> None:
    resource = api.get("/api/v1/questionnaire").get_json()
    questions = {item["linkId"]: item for group in resource["item"] for item in group["item"]}
    ids = [item.id for item in load().items.values() if item.type == kind]
    assert ids
    for item_id in ids:
        assert questions[item_id]["type"] == fhir_type
        assert questions[item_id].get("repeats") == repeats


ENDPOINTS = ["/api/v1/submissions/{id}", "/api/v1/submissions/{id}/pdf",
             "/api/v1/submissions/{id}/fhir"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_token_never_reads_another_agencys_submission(
        api: FlaskClient, token: str, harbour: Agency, path: str) -> None:
    other = make_agency("other")
    theirs = submit(other, "emergency", pdf=ISSUED)
    response = api.get(path.format(id=theirs.id), headers=bearer(token))
    assert response.status_code == 404
    assert response.get_json() == {"error": {"status": 404,
                                             "message": "No submission with this id."}}
    assert api.get(path.format(id="no-such-id"), headers=bearer(token)).get_json() == \
        response.get_json()
    listed = api.get("/api/v1/submissions", headers=bearer(token)).get_json()
    assert theirs.id not in [row["id"] for row in listed["data"]]
    their_token = tokens.create_token(other)[1]
    assert api.get(path.format(id=theirs.id), headers=bearer(their_token)).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/submissions", *ENDPOINTS])
@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer ivig_not-a-real-token",
    "Bearer ivig_" + "A" * 43, "Token {token}", "Bearer {token}x",
])
def test_requests_without_a_valid_token_get_a_json_401(
        api: FlaskClient, token: str, sent: list[Submission], path: str,
        header: str | None) -> None:
    headers = {"Authorization": header.format(token=token)} if header else {}
    response = api.get(path.format(id=sent[0].id), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "API token" in response.get_json()["error"]["message"]


def test_a_revoked_token_stops_working(api: FlaskClient, token: str, harbour: Agency) -> None:
    assert api.get("/api/v1/submissions", headers=bearer(token)).status_code == 200
    assert tokens.revoke_token(harbour, token[:12]) == 1
    assert api.get("/api/v1/submissions", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/api/v1/nothing", 404), ("GET", "/api/v1/submissions/a/b/c", 404),
    ("POST", "/api/v1/submissions", 405), ("DELETE", "/api/v1/submissions/x", 405),
    ("GET", "/api/v1/submissions/" + "x" * 300, 404),
])
def test_unknown_paths_and_methods_are_json_errors(api: FlaskClient, token: str, method: str,
                                                   path: str, status: int) -> None:
    response = api.open(path, method=method, headers=bearer(token))
    assert response.status_code == status
    assert response.get_json()["error"]["status"] == status


API_PATHS = ["/api/v1/submissions", *ENDPOINTS, "/api/v1/questionnaire", "/api/v1/openapi.json"]
ANSWERED = {"GET", "HEAD", "OPTIONS"}


# Checked in tests/api/test_invitations_api.py: a POST, and a GET of an invitation.
INVITATION_ROUTES = {"/api/v1/invitations": {"OPTIONS", "POST"},
                     "/api/v1/invitations/<invitation_id>": ANSWERED}


def test_every_api_route_is_one_of_the_paths_checked_for_its_methods(app: Flask) -> None:
    routes = {rule.rule.replace("<submission_id>", "{id}"): set(rule.methods or ())
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert set(routes) == set(API_PATHS) | set(INVITATION_ROUTES)
    for path, methods in routes.items():
        assert methods == INVITATION_ROUTES.get(path, ANSWERED), path


@pytest.mark.parametrize("path", API_PATHS)
@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no token"])
def test_options_and_allow_name_only_the_methods_a_path_answers(
        api: FlaskClient, token: str, sent: list[Submission], path: str,
        with_token: bool) -> None:
    url = path.format(id=sent[0].id)
    headers = bearer(token) if with_token else {}
    options = api.options(url, headers=headers)
    assert options.status_code == 200
    assert set(options.headers["Allow"].split(", ")) == ANSWERED
    for method in ("POST", "PUT", "PATCH", "DELETE", "TRACE"):
        response = api.open(url, method=method, headers=headers)
        assert response.status_code == 405, method
        assert set(response.headers["Allow"].split(", ")) == ANSWERED, method
        assert response.get_json()["error"]["status"] == 405
    assert api.head(url, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("method", ["GET", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
def test_an_unknown_api_path_is_a_json_404_for_every_method(api: FlaskClient, token: str,
                                                            method: str) -> None:
    response = api.open("/api/v1/no-such-thing", method=method, headers=bearer(token))
    assert response.status_code == 404 and "Allow" not in response.headers
    assert response.get_json() == {"error": {
        "status": 404, "message": "No such API endpoint; see /api/v1/openapi.json."}}


@pytest.mark.parametrize("header,challenge", [
    (None, 'Bearer realm="ivig_home"'),
    ("Bearer ivig_not-a-real-token", 'Bearer realm="ivig_home", error="invalid_token"'),
])
def test_the_401_challenge_names_an_error_only_when_a_token_was_sent(
        api: FlaskClient, header: str | None, challenge: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = api.get("/api/v1/submissions", headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == challenge


def test_no_response_names_the_server_software(api: FlaskClient, token: str,
                                               sent: list[Submission]) -> None:
    for method, path in [("GET", "/api/v1/submissions"), ("GET", "/api/v1/questionnaire"),
                         ("GET", "/api/v1/nothing"), ("POST", "/api/v1/submissions"),
                         ("GET", "/a/demo/"), ("GET", "/no/such/page")]:
        response = api.open(path, method=method, headers=bearer(token))
        assert "Server" not in response.headers, path


def test_every_request_with_a_token_is_audit_logged(
        api: FlaskClient, token: str, sent: list[Submission], harbour: Agency) -> None:
    target = sent[2]
    calls: list[tuple[str, Any]] = [
        ("/api/v1/submissions", ("viewed", None)),
        (f"/api/v1/submissions/{target.id}", ("viewed", target.reference)),
        (f"/api/v1/submissions/{target.id}/pdf", ("downloaded", target.reference)),
        (f"/api/v1/submissions/{target.id}/fhir", ("exported", target.reference)),
    ]
    for path, _ in calls:
        assert api.get(path, headers=bearer(token),
                       environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
    rows = audit_rows()
    assert [(row.action, row.reference) for row in rows] == [expected for _, expected in calls]
    assert [row.detail for row in rows] == [None, None, "summary", None]  # which PDF
    assert {row.actor for row in rows} == {f"api-token:{token[:12]}"}
    assert {row.agency_id for row in rows} == {harbour.id}
    assert {row.address for row in rows} == {"203.0.113.9"}
    used = db.session.scalar(select(ApiToken.last_used_at))
    assert used is not None


def test_api_responses_are_never_cached(api: FlaskClient, token: str,
                                        sent: list[Submission]) -> None:
    for path in ("/api/v1/submissions", f"/api/v1/submissions/{sent[0].id}",
                 "/api/v1/questionnaire", "/api/v1/openapi.json", "/api/v1/nothing"):
        response = api.get(path, headers=bearer(token))
        assert response.headers["Cache-Control"] == "no-store"


def test_the_openapi_document_describes_every_endpoint_and_the_bearer_auth(
        app: Flask, api: FlaskClient) -> None:
    document = api.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    described = {path.replace("{submission_id}", "<submission_id>")
                 .replace("{questionnaire_id}", "<questionnaire_id>")
                 .replace("{invitation_id}", "<invitation_id>")
                 for path in document["paths"]}
    routes = {rule.rule for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith(("api.", "fhir."))}
    assert described == routes
    for path, entry in document["paths"].items():
        for method in set(entry) - {"description"}:
            if entry[method].get("security") != []:
                assert "401" in entry[method]["responses"], path


def test_pages_since_and_isolation_hold_on_each_database(db_app: Flask) -> None:
    mine, theirs = make_agency("mine"), make_agency("theirs")
    sent = [submit(mine, "nothing-to-flag") for _ in range(3)]
    other = submit(theirs, "emergency")
    token = tokens.create_token(mine)[1]
    client = db_app.test_client()
    first = client.get("/api/v1/submissions?per_page=2", headers=bearer(token)).get_json()
    rest = client.get(first["next"], headers=bearer(token)).get_json()
    assert [row["id"] for row in first["data"] + rest["data"]] == [s.id for s in sent]
    since = client.get("/api/v1/submissions", query_string={
        "since": sent[2].created_at.isoformat()}, headers=bearer(token)).get_json()
    assert [row["id"] for row in since["data"]] == [sent[2].id]
    assert client.get(f"/api/v1/submissions/{other.id}", headers=bearer(token)
                      ).status_code == 404
    for odd in ("%00", "a%00b", "%C3%A9", "%F0%9F%92%89"):
        assert client.get(f"/api/v1/submissions/{odd}", headers=bearer(token)
                          ).status_code == 404
    assert client.get(f"/api/v1/submissions/{sent[0].id}", headers=bearer(token)
                      ).get_json()["reference"] == sent[0].reference
