"""Reading from /fhir: the CapabilityStatement, the Questionnaire by id and by url, and an
agency's own QuestionnaireResponses by id and by date, each read audit-logged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.questionnaire import Questionnaire
from flask.testing import FlaskClient
from sqlalchemy import select, update

from ivig_home.agencies import registry
from ivig_home.api import fhir
from ivig_home.db import db
from ivig_home.models import Agency, AuditEntry, Submission
from tests.agency_support import make_agency, submit
from tests.api.fhir_support import FHIR_JSON, bearer, issues


def received(submission: Submission, moment: datetime) -> None:
    db.session.execute(update(Submission).where(Submission.id == submission.id)
                       .values(created_at=moment))
    db.session.commit()


def api_audit() -> list[tuple[str, str | None]]:
    db.session.expire_all()
    return [(row.action, row.submission_id) for row in db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor.like("api-token:%")).order_by(AuditEntry.id))]


def test_the_capability_statement_says_what_is_supported(client: FlaskClient) -> None:
    response = client.get("/fhir/metadata")  # no token: it holds no patient data
    assert response.status_code == 200 and response.headers["Content-Type"] == FHIR_JSON
    statement = CapabilityStatement.model_validate(response.get_json())
    assert statement.fhirVersion == "4.0.1" and statement.kind == "instance"
    assert "application/fhir+json" in statement.format
    assert statement.implementation.url == "http://localhost/fhir"
    rest = statement.rest[0]
    assert "Authorization: Bearer" in rest.security.description
    supported = {resource.type: ({i.code for i in resource.interaction},
                                 {p.name for p in resource.searchParam or []})
                 for resource in rest.resource}
    assert supported == {
        "Questionnaire": ({"read", "search-type"}, {"url"}),
        "QuestionnaireResponse": ({"create", "read", "search-type"},
                                  {"authored", "_count", "_page"})}


def test_the_questionnaire_reads_by_its_id_and_is_found_by_its_url(client: FlaskClient) -> None:
    with client.application.app_context():  # with the translations the app has
        expected = fhir.questionnaire()
    read = client.get(f"/fhir/Questionnaire/{expected['id']}")
    assert read.status_code == 200 and read.get_json() == expected
    Questionnaire.model_validate(read.get_json())
    for url in (fhir.CANONICAL, f"{fhir.CANONICAL}|{expected['version']}"):
        found = client.get("/fhir/Questionnaire", query_string={"url": url}).get_json()
        bundle = Bundle.model_validate(found)
        assert bundle.total == 1 and bundle.entry[0].resource.id == expected["id"]
        assert bundle.entry[0].fullUrl == f"http://localhost/fhir/Questionnaire/{expected['id']}"
    for url in ("http://example.org/Questionnaire/phq-9", f"{fhir.CANONICAL}|0.9.0"):
        none = client.get("/fhir/Questionnaire", query_string={"url": url}).get_json()
        assert Bundle.model_validate(none).total == 0 and none["entry"] == []
    assert client.get("/fhir/Questionnaire").get_json()["total"] == 1
    wrong = client.get("/fhir/Questionnaire?title=IVIG")
    assert wrong.status_code == 400 and issues(wrong)[0]["location"] == ["http.title"]


def test_reading_a_response_is_audit_logged_and_another_agencys_is_a_404(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    own = submit(harbour, "clinical-risk-factors")
    other = submit(make_agency("lakeside"), "nothing-to-flag")
    read = client.get(f"/fhir/QuestionnaireResponse/{own.id}", headers=bearer(token))
    assert read.status_code == 200 and read.headers["Content-Type"] == FHIR_JSON
    body = read.get_json()
    assert body["id"] == own.id and body["identifier"]["value"] == own.reference
    assert body["meta"]["lastUpdated"] == own.created_at.isoformat(timespec="seconds")
    assert api_audit() == [("exported", own.id)]
    for unknown in (other.id, "no-such-id", "a" * 65, "%00"):
        missing = client.get(f"/fhir/QuestionnaireResponse/{unknown}", headers=bearer(token))
        assert missing.status_code == 404
        assert issues(missing)[0]["code"] == "not-found"
        assert other.reference not in missing.get_data(as_text=True)
    assert api_audit() == [("exported", own.id)]


@pytest.fixture
def week(harbour: Agency) -> dict[str, Submission]:
    """Four of the harbour agency's submissions around the first week of December (New York),
    and one of another agency's in the middle of it."""
    registry.update_agency(harbour, time_zone="America/New_York")
    moments = {"nov30": datetime(2026, 12, 1, 4, 59, tzinfo=UTC),   # 23:59 on Nov 30 in NY
               "dec1": datetime(2026, 12, 1, 5, 0, tzinfo=UTC),     # 00:00 on Dec 1 in NY
               "dec7": datetime(2026, 12, 8, 4, 59, 59, tzinfo=UTC),
               "dec8": datetime(2026, 12, 8, 5, 0, tzinfo=UTC)}
    made = {}
    for name, moment in moments.items():
        made[name] = submit(harbour, "nothing-to-flag")
        received(made[name], moment)
    received(submit(make_agency("lakeside"), "nothing-to-flag"), moments["dec1"])
    return made


@pytest.mark.parametrize("query,expected", [
    ("authored=ge2026-12-01&authored=lt2026-12-08", ["dec1", "dec7"]),
    ("authored=2026-12-01", ["dec1"]),
    ("authored=eq2026-11-30", ["nov30"]),
    ("authored=ne2026-12-01", ["nov30", "dec7", "dec8"]),
    ("authored=gt2026-12-07", ["dec8"]),
    ("authored=sa2026-12-07", ["dec8"]),
    ("authored=le2026-12-07", ["nov30", "dec1", "dec7"]),
    ("authored=lt2026-12-01", ["nov30"]),
    ("authored=eb2026-12-01", ["nov30"]),
    ("authored=ge2026-12", ["dec1", "dec7", "dec8"]),
    ("authored=2026", ["nov30", "dec1", "dec7", "dec8"]),
    ("authored=ge2026-12-01T05:00:00Z", ["dec1", "dec7", "dec8"]),
    ("authored=gt2026-12-01T00:00:00-05:00", ["dec7", "dec8"]),
    ("authored=lt2026-12-01T05:00Z", ["nov30"]),
    ("authored=ge2027-01-01", []),
    ("", ["nov30", "dec1", "dec7", "dec8"]),
])
def test_a_search_by_authored_finds_the_agencys_own_in_its_time_zone(
        client: FlaskClient, token: str, week: dict[str, Submission], query: str,
        expected: list[str]) -> None:
    response = client.get(f"/fhir/QuestionnaireResponse?{query}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    bundle = Bundle.model_validate(response.get_json())
    assert bundle.type == "searchset" and bundle.total == len(expected)
    ids = [entry.resource.id for entry in bundle.entry or []]
    assert ids == [week[name].id for name in expected]
    for entry in bundle.entry or []:
        assert entry.fullUrl == f"http://localhost/fhir/QuestionnaireResponse/{entry.resource.id}"
        assert entry.search.mode == "match"
    # Each response sent is a read of patient data, logged as such; the search itself too.
    assert api_audit() == [("exported", sid) for sid in ids] + [("viewed", None)]


def test_a_search_pages_with_next_links(client: FlaskClient, token: str,
                                        week: dict[str, Submission]) -> None:
    url = "/fhir/QuestionnaireResponse?authored=ge2026-12-01&_count=2"
    first = client.get(url, headers=bearer(token)).get_json()
    assert first["total"] == 3 and len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert links["next"].startswith("http://localhost/fhir/QuestionnaireResponse?")
    second = client.get(links["next"], headers=bearer(token)).get_json()
    assert [e["resource"]["id"] for e in first["entry"] + second["entry"]] == [
        week[name].id for name in ("dec1", "dec7", "dec8")]
    assert [link["relation"] for link in second["link"]] == ["self"]


@pytest.mark.parametrize("query,where,words", [
    ("authored=ap2026-12-01", "http.authored", "the prefix 'ap' is not one this server takes"),
    ("authored=ge2026-13-01", "http.authored", "expected a real date"),
    ("authored=ge2026-12-01T10:00", "http.authored", "needs its zone"),
    ("authored=yesterday", "http.authored", "expected a FHIR date or date-time"),
    ("_count=0", "http._count", "'_count' must be a whole number from 1 to 100"),
    ("_count=101", "http._count", "from 1 to 100"),
    ("_page=two", "http._page", "'_page' must be a whole number"),
    ("patient=Patient/1", "http.patient", "Unknown search parameter 'patient'"),
    ("_sort=-authored", "http._sort", "Unknown search parameter '_sort'"),
])
def test_a_search_parameter_that_cannot_be_read_is_a_400_naming_it(
        client: FlaskClient, token: str, week: dict[str, Submission], query: str, where: str,
        words: str) -> None:
    response = client.get(f"/fhir/QuestionnaireResponse?{query}", headers=bearer(token))
    assert response.status_code == 400
    [issue] = issues(response)
    assert issue["location"] == [where] and words in issue["details"]["text"]
    assert api_audit() == []


def test_reading_a_response_carries_what_changed_since_the_patients_last_checklist(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    from ivig_home.api.fhir_changes import CHANGES_URL
    from ivig_home.checklist import assess
    from ivig_home.intake import drafts, submissions
    from tests.answers import example

    first = submit(harbour, "nothing-to-flag")
    document = example("nothing-to-flag")
    document["answers"]["kidney_problems"] = "yes"
    draft = drafts.start_draft(harbour)
    drafts.save_draft(draft, document["answers"], "confirm")
    second = submissions.submit_draft(draft, assess(document))
    body = client.get(f"/fhir/QuestionnaireResponse/{second.id}", headers=bearer(token)).get_json()
    QuestionnaireResponse.model_validate(body)
    changes = next(e for e in body["extension"] if e["url"] == CHANGES_URL)["extension"]
    since = next(part for part in changes if part["url"] == "since")
    assert since["valueIdentifier"]["value"] == first.reference
    answers = [part for part in changes if part["url"] == "answer"]
    assert [{p["url"]: p["valueString"] for p in a["extension"]} for a in answers] == [
        {"item": "kidney_problems", "kind": "changed", "before": "No", "after": "Yes"}]
    earlier = client.get(f"/fhir/QuestionnaireResponse/{first.id}", headers=bearer(token))
    assert {"url": "first", "valueBoolean": True} in next(
        e for e in earlier.get_json()["extension"] if e["url"] == CHANGES_URL)["extension"]
