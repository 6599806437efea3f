"""The OpenAPI document: valid by openapi-spec-validator, and true about every error status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from ivig_home.agencies import api_tokens as tokens
from ivig_home.models import Agency


def served(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def resolved(document: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """Return a response object, following one `$ref` to components."""
    if "$ref" not in entry:
        return entry
    *_, kind, name = entry["$ref"].split("/")
    found: dict[str, Any] = document["components"][kind][name]
    return found


def test_the_served_document_passes_openapi_spec_validator(client: FlaskClient,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(served(client)), encoding="utf-8")
    spec, base_uri = read_from_filename(str(path))
    validate(spec, base_uri=base_uri)


def test_every_operation_documents_the_errors_it_can_answer(client: FlaskClient) -> None:
    document = served(client)
    for path, entry in document["paths"].items():
        if path.startswith("/fhir/"):
            continue  # the next test: its errors are OperationOutcomes
        if path == "/api/v1/invitations":
            continue  # the POST: its own test below
        assert set(entry) == {"description", "get"}, path
        assert "405" in entry["description"] and "Allow" in entry["description"]
        responses = entry["get"]["responses"]
        secured = entry["get"].get("security") != []
        expected = {"200", "400", "429"} | ({"401"} if secured else set()) | (
            {"404"} if "_id}" in path else set())
        assert set(responses) == expected, path
        for status in expected - {"200"}:
            body = resolved(document, responses[status])["content"]["application/json"]
            assert body["schema"] == {"$ref": "#/components/schemas/Error"}
        if secured:
            headers = resolved(document, responses["401"])["headers"]
            assert resolved(document, headers["WWW-Authenticate"])["schema"]["type"] == "string"
    not_allowed = document["components"]["responses"]["MethodNotAllowed"]
    assert resolved(document, not_allowed["headers"]["Allow"])["schema"]["example"] == (
        "GET, HEAD, OPTIONS")
    assert "422 naming each field" in document["info"]["description"]


def test_the_invitations_post_documents_its_201_its_422_and_its_errors(
        client: FlaskClient) -> None:
    document = served(client)
    entry = document["paths"]["/api/v1/invitations"]
    assert set(entry) == {"description", "post"}
    assert "OPTIONS, POST only" in entry["description"]
    responses = entry["post"]["responses"]
    assert set(responses) == {"201", "400", "401", "413", "415", "422", "429"}
    assert "Location" in responses["201"]["headers"]
    problems = resolved(document, responses["422"])["content"]["application/json"]["schema"]
    assert problems == {"$ref": "#/components/schemas/InvitationProblems"}
    for status in ("400", "401", "413", "415", "429"):
        body = resolved(document, responses[status])["content"]["application/json"]
        assert body["schema"] == {"$ref": "#/components/schemas/Error"}, status
    request = document["components"]["schemas"]["InvitationRequest"]
    assert request["required"] == ["name", "date_of_birth", "infusion_date"]


def test_the_fhir_paths_document_outcomes_the_422_and_www_authenticate(
        client: FlaskClient) -> None:
    document = served(client)
    fhir_paths = {path: entry for path, entry in document["paths"].items()
                  if path.startswith("/fhir/")}
    assert set(fhir_paths) == {"/fhir/metadata", "/fhir/Questionnaire",
                               "/fhir/Questionnaire/{questionnaire_id}",
                               "/fhir/QuestionnaireResponse",
                               "/fhir/QuestionnaireResponse/{submission_id}"}
    for path, entry in fhir_paths.items():
        assert "405" in entry["description"] and "Allow" in entry["description"]
        for method in set(entry) - {"description"}:
            operation = entry[method]
            for status, answer in operation["responses"].items():
                content = resolved(document, answer)["content"]
                assert set(content) == {"application/fhir+json"}, (path, status)
                if status >= "400":
                    assert content["application/fhir+json"]["schema"] == {
                        "$ref": "#/components/schemas/OperationOutcome"}
            if operation.get("security") != []:
                unauthorized = resolved(document, operation["responses"]["401"])
                assert "WWW-Authenticate" in unauthorized["headers"], path
    created = fhir_paths["/fhir/QuestionnaireResponse"]["post"]["responses"]
    assert {"201", "400", "401", "413", "415", "422", "429"} <= set(created)
    assert "Location" in created["201"]["headers"]
    assert "linkId" in created["422"]["description"]


def test_options_needs_no_token_and_gives_the_documented_allow(app: Flask,
                                                               harbour: Agency) -> None:
    client = app.test_client()
    token = tokens.create_token(harbour, "tests")[1]
    document = served(client)
    for path, entry in document["paths"].items():
        url = (path.replace("{submission_id}", "some-id").replace("{questionnaire_id}", "q")
               .replace("{invitation_id}", "some-id"))
        methods = {m.upper() for m in entry if m != "description"}
        allowed = ", ".join(sorted({"OPTIONS"} | methods | ({"HEAD"} if "GET" in methods
                                                             else set())))
        assert allowed in entry["description"], path
        response = client.options(url)
        assert response.status_code == 200
        assert response.headers["Allow"] == allowed
        wrong = client.put(url, headers={"Authorization": f"Bearer {token}"})
        assert wrong.status_code == 405 and wrong.headers["Allow"] == allowed
