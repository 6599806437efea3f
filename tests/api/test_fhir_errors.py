"""What /fhir refuses: a response with problems is a 422 OperationOutcome naming each item and
what was expected, and stores nothing; every other error is an OperationOutcome too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivig_home.api import fhir
from ivig_home.checklist import load
from ivig_home.models import Agency
from tests.answers import clean
from tests.api.fhir_support import (
    FHIR_JSON,
    bearer,
    issue_about,
    issues,
    post,
    question,
    response_for,
    response_of,
    row_counts,
)

Change = Callable[[dict[str, Any]], None]


def answer(link: str, *answers: dict[str, Any]) -> Change:
    """Change one question's answers."""
    return lambda resource: question(resource, link).update(answer=list(answers))


def coded(system: str, code: str) -> dict[str, Any]:
    return {"valueCoding": {"system": system, "code": code}}


def drop(link: str) -> Change:
    def change(resource: dict[str, Any]) -> None:
        for group in resource["item"]:
            group["item"] = [entry for entry in group["item"] if entry["linkId"] != link]
    return change


def add(entry: dict[str, Any]) -> Change:
    return lambda resource: resource["item"][0]["item"].append(entry)


def top(key: str, value: Any) -> Change:
    return lambda resource: resource.update({key: value})


LOINC = "http://loinc.org"
REACTIONS = "urn:ivig-home:answers:prior_reactions"
# (what is wrong, where the issue points, words it must say)
ITEM_PROBLEMS = [
    (add({"linkId": "favourite_colour", "answer": [{"valueString": "blue"}]}),
     "favourite_colour", "no item with this linkId"),
    (answer("date_of_birth", {"valueString": "30 September 1988"}),
     "date_of_birth", "expected a date (valueDate"),
    (answer("supervised_infusions", {"valueString": "six"}),
     "supervised_infusions", "expected a whole number (valueInteger)"),
    (answer("breathing_trouble_now", coded(LOINC, "LA9999-9")),
     "breathing_trouble_now", "expected one of LA33-6 (Yes), LA32-8 (No), LA4489-6 (Unknown)"),
    (answer("breathing_trouble_now", coded("urn:ivig-home:answers:yesno", "yes")),
     "breathing_trouble_now", "is not one this item offers"),
    (answer("completed_by", coded("urn:ivig-home:answers:completed_by", "self"),
            coded("urn:ivig-home:answers:completed_by", "caregiver")),
     "completed_by", "expected one answer, got 2"),
    (answer("breathing_trouble_now", {"valueBoolean": True}),
     "breathing_trouble_now", "expected a coded answer (valueCoding)"),
    (drop("patient_name"), "patient_name", "missing; an answer is required"),
    (drop("ack_accurate"), "ack_accurate", "missing; an answer is required"),
    (answer("ack_accurate", {"valueBoolean": False}), "ack_accurate",
     "expected true (the box must be ticked)"),
    (answer("supervised_infusions", {"valueInteger": 501}), "supervised_infusions",
     "expected a whole number from 0 to 500"),
    (answer("date_of_birth", {"valueDate": "2999-01-01"}), "date_of_birth",
     "expected a date not after the completion date 2026-11-21"),
    (answer("patient_name", {"valueString": "x" * 201}), "patient_name",
     "expected at most 200 characters, got 201"),
    (answer("prior_reactions", coded(REACTIONS, "headache")), "prior_reactions",
     "answered, but it is asked only when 'prior_problems' is 'yes'"),
    (add({"linkId": "patient_name", "answer": [{"valueString": "Ana"}]}), "patient_name",
     "answered more than once"),
    (add({"linkId": "today", "answer": [{"valueString": "fine"}]}), "'today'",
     "a group or a display item, which takes no answer"),
]


@pytest.mark.parametrize("change,link,words", ITEM_PROBLEMS,
                         ids=[f"{n}-{case[1]}" for n, case in enumerate(ITEM_PROBLEMS)])
def test_a_problem_with_an_item_is_a_422_naming_it_and_nothing_is_stored(
        client: FlaskClient, token: str, harbour: Agency, change: Change, link: str,
        words: str) -> None:
    resource = response_of("nothing-to-flag")
    if link == "prior_reactions":
        resource["item"][2]["item"].append({"linkId": "prior_reactions"})
    change(resource)
    before = row_counts()
    response = post(client, token, resource)
    assert response.status_code == 422, response.get_data(as_text=True)
    issue = issue_about(response, f"linkId={link}" if link.startswith("'") else
                        f"linkId='{link}'")
    plain = link.strip("'")
    assert words in issue["details"]["text"] and f"'{plain}'" in issue["details"]["text"]
    assert issue["location"] == issue["expression"] and issue["severity"] == "error"
    if plain != "today":
        assert f"linkId '{plain}'" in issue["diagnostics"]
    assert row_counts() == before


@pytest.mark.parametrize("key,value,words", [
    ("status", "in-progress", "'status' is 'in-progress'; expected 'completed'"),
    ("status", None, "'status' is missing; expected 'completed'"),
    ("questionnaire", "http://example.org/Questionnaire/phq-9",
     "expected 'urn:ivig-home:questionnaire:ivig_home|1.1.0'"),
    ("questionnaire", "urn:ivig-home:questionnaire:ivig_home|0.9.0",
     "'questionnaire' is 'urn:ivig-home:questionnaire:ivig_home|0.9.0'"),
    ("questionnaire", None, "'questionnaire' is missing"),
    ("authored", "2999-01-01T09:00:00Z", "'authored' is in the future"),
    ("authored", "2026-11-21T09:00:00", "needs its zone"),
    ("authored", "2026-11", "'authored' must name the day"),
    ("authored", "21/11/2026", "expected a FHIR date or date-time"),
])
def test_a_problem_with_the_response_itself_is_a_422_naming_the_element(
        client: FlaskClient, token: str, harbour: Agency, key: str, value: Any,
        words: str) -> None:
    resource = response_of("nothing-to-flag")
    resource[key] = value
    if value is None:
        del resource[key]
    before = row_counts()
    response = post(client, token, resource)
    assert response.status_code == 422
    issue = issue_about(response, f"QuestionnaireResponse.{key}")
    assert words in issue["details"]["text"]
    assert row_counts() == before


def test_every_problem_is_named_at_once_and_a_follow_up_of_a_refused_answer_is_not(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    resource = response_of("nothing-to-flag")
    for change in (top("status", "amended"), drop("patient_name"),
                   answer("supervised_infusions", {"valueString": "six"}),
                   answer("breathing_trouble_now", coded(LOINC, "LA9999-9"))):
        change(resource)
    response = post(client, token, resource)
    named = {where for issue in issues(response) for where in issue.get("expression", [])}
    assert len(issues(response)) == 4, named
    # prior_problems, last_infusion_date and same_brand follow supervised_infusions: whether
    # they are asked cannot be known, so they are not called wrong.
    assert not any("prior_problems" in where or "same_brand" in where for where in named)


def test_none_of_these_is_an_answer_but_not_beside_another(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    document = clean(prior_problems="yes", prior_reactions=[], split_dose_discussed="yes")
    resource = response_for(document)
    none = question(resource, "prior_reactions")["answer"]
    assert [entry["valueCoding"]["code"] for entry in none] == ["none"]
    mixed = response_for(document)
    question(mixed, "prior_reactions")["answer"].append(coded(REACTIONS, "headache"))
    refused = post(client, token, mixed)
    assert refused.status_code == 422
    assert "cannot be chosen with other options" in issue_about(
        refused, "prior_reactions")["details"]["text"]
    assert post(client, token, resource).status_code == 201


@pytest.mark.parametrize("body,content_type,status,words", [
    ("{not json", "application/fhir+json", 400, "not valid JSON"),
    ('{"a": NaN}', "application/json", 400, "not valid JSON"),
    ("[1, 2]", "application/fhir+json", 400, "Expected a QuestionnaireResponse"),
    ('{"resourceType": "Patient"}', "application/fhir+json", 400,
     "Expected a QuestionnaireResponse"),
    ("{}", "text/plain", 415, "Content-Type is 'text/plain'"),
    ("{}", "application/xml", 415, "application/fhir+json"),
    ("[" * 100_000 + "]" * 100_000, "application/json", 400, "not valid JSON"),
    ('{"x": "' + "a" * (1024 * 1024) + '"}', "application/json", 413, "too large"),
])
def test_a_body_that_is_not_a_response_is_refused_as_an_outcome(
        client: FlaskClient, token: str, harbour: Agency, body: str, content_type: str,
        status: int, words: str) -> None:
    before = row_counts()
    response = post(client, token, body, **{"Content-Type": content_type})
    assert response.status_code == status
    assert words in issues(response)[0]["details"]["text"]
    assert row_counts() == before


@pytest.mark.parametrize("method,path,status", [
    ("get", "/fhir/QuestionnaireResponse", 401),
    ("post", "/fhir/QuestionnaireResponse", 401),
    ("get", "/fhir/QuestionnaireResponse/some-id", 401),
    ("get", "/fhir/Patient", 404),
    ("get", "/fhir/", 404),
    ("get", "/fhir/Questionnaire/phq-9", 404),
    ("put", "/fhir/QuestionnaireResponse/some-id", 405),
    ("delete", "/fhir/QuestionnaireResponse", 405),
    ("post", "/fhir/metadata", 405),
])
def test_errors_are_outcomes_with_their_headers(client: FlaskClient, harbour: Agency,
                                                method: str, path: str, status: int) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert issues(response)[0]["severity"] == "error"
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="ivig_home"'
        assert "Bearer" in issues(response)[0]["details"]["text"]
    if status == 405:
        assert "OPTIONS" in response.headers["Allow"] and method.upper() not in response.headers[
            "Allow"]


def test_a_wrong_token_is_a_401_saying_so(client: FlaskClient, harbour: Agency) -> None:
    response = client.get("/fhir/QuestionnaireResponse", headers=bearer("ivig_not-a-token"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == ('Bearer realm="ivig_home", '
                                                    'error="invalid_token"')
    assert issues(response)[0]["code"] == "login"


@pytest.mark.parametrize("headers,query", [
    ({"Accept": "application/fhir+xml"}, ""),
    ({"Accept": "text/html"}, ""),
    ({}, "?_format=xml"),
])
def test_asking_for_anything_but_json_is_a_406(client: FlaskClient, headers: dict[str, str],
                                               query: str) -> None:
    response = client.get(f"/fhir/metadata{query}", headers=headers)
    assert response.status_code == 406 and response.headers["Content-Type"] == FHIR_JSON
    assert "JSON only" in issues(response)[0]["details"]["text"]


@pytest.mark.parametrize("accept", ["application/fhir+json; fhirVersion=4.0",
                                    "application/json", "*/*", "application/*",
                                    "text/html;q=0.9, application/fhir+json"])
def test_json_in_any_spelling_is_accepted(client: FlaskClient, accept: str) -> None:
    response = client.get("/fhir/metadata?_format=json", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["Content-Type"] == FHIR_JSON


def test_options_names_the_methods_of_each_path(client: FlaskClient) -> None:
    allowed = {"/fhir/metadata": "GET, HEAD, OPTIONS",
               "/fhir/Questionnaire": "GET, HEAD, OPTIONS",
               "/fhir/QuestionnaireResponse": "GET, HEAD, OPTIONS, POST",
               "/fhir/QuestionnaireResponse/some-id": "GET, HEAD, OPTIONS"}
    for path, methods in allowed.items():
        response = client.options(path)
        assert response.status_code == 200 and response.headers["Allow"] == methods


def test_a_failure_inside_is_a_500_outcome_without_a_word_of_it(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken() -> dict[str, Any]:
        raise RuntimeError("Ana Ruiz 1958-04-02")

    monkeypatch.setattr(fhir, "questionnaire", broken)
    response = app.test_client().get("/fhir/Questionnaire")
    assert response.status_code == 500
    assert issues(response)[0]["code"] == "exception"
    assert "Ana Ruiz" not in response.text and "Traceback" not in response.text


def test_a_nul_in_the_query_is_a_400_outcome(client: FlaskClient, token: str) -> None:
    response = client.get("/fhir/QuestionnaireResponse?authored=%00", headers=bearer(token))
    assert response.status_code == 400 and issues(response)[0]["code"] == "invalid"


def test_items_nested_deeper_than_any_renderer_nests_them_are_refused(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    resource = response_of("nothing-to-flag")
    nested: dict[str, Any] = {"linkId": "about"}
    for _ in range(400):
        nested = {"linkId": "about", "item": [nested]}
    resource["item"].append(nested)
    response = post(client, token, resource)
    assert response.status_code == 422
    assert "nested more than 8 deep" in issues(response)[0]["details"]["text"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=20)
    | st.sampled_from(["LA33-6", "none", "2026-11-21", "yes", "about", "http://loinc.org"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["linkId", "answer", "item", "valueCoding", "valueString",
                         "valueInteger", "valueDate", "valueBoolean", "system", "code"]),
        inner, max_size=3),
    max_leaves=8)
PLACES = st.sampled_from(["answer", "item", "linkId", "valueCoding", "value"])


@given(link=st.sampled_from(sorted(load().items)), place=PLACES, value=JSON_VALUES)
@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
def test_any_value_anywhere_in_a_response_is_stored_whole_or_refused_naming_why(
        client: FlaskClient, token: str, harbour: Agency, link: str, place: str,
        value: Any) -> None:
    resource = response_for(clean())
    entry = next((e for g in resource["item"] for e in g["item"] if e["linkId"] == link), None)
    if entry is None:
        entry = {"linkId": link}
        resource["item"][0]["item"].append(entry)
    if place == "value":
        entry["answer"] = [{"valueCoding": value} if isinstance(value, dict) else
                           {"valueString": value}]
    elif place == "valueCoding":
        entry["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": value}}]
    else:
        entry[place] = value
    before = row_counts()
    response = post(client, token, resource)
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        assert all(issue["details"]["text"] for issue in issues(response))
        assert row_counts() == before
    else:
        assert row_counts()["submissions"] == before["submissions"] + 1
