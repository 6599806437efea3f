"""POST /api/v1/invitations: the patient found or made as `ivig-home invite` does, the link shown
once and opening the date-of-birth page, every refusal a 422 naming its field with nothing
stored, and one agency's token never reaching another agency's patients."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home import timezones
from ivig_home.agencies import api_tokens as tokens
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.models import (
    Agency,
    AuditEntry,
    Invitation,
    InvitationLink,
    Patient,
    PatientSubmission,
)
from ivig_home.patients import invitations
from ivig_home.patients.matching import patient_identity
from tests.agency_support import make_agency, submit
from tests.mail_support import Sink, mailbox
from tests.patient.client import token_in

__all__ = ["mailbox"]  # the local SMTP server's fixture, used below

URL = "/api/v1/invitations"
COUNTED = (Patient, Invitation, InvitationLink, AuditEntry)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED}


def day(agency: Agency, days: int) -> str:
    return (timezones.today(agency.time_zone) + timedelta(days=days)).isoformat()


def ana(agency: Agency, **changes: Any) -> dict[str, Any]:
    """Return a valid body for Ana Ruiz (the nothing-to-flag example's patient)."""
    return {"name": "Ana Ruiz", "date_of_birth": "1971-04-02",
            "infusion_date": day(agency, 4), **changes}


def create(client: FlaskClient, token: str, body: Any) -> Any:
    return client.post(URL, json=body, headers=bearer(token))


def test_an_invitation_is_made_for_a_new_patient_and_its_link_opens_the_date_of_birth_page(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    response = create(client, token, ana(harbour, email="ana@example.org",
                                         phone="555-0177"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "patient_id", "link", "infusion_date", "expires_at", "emailed"}
    assert body["infusion_date"] == day(harbour, 4) and body["emailed"] is False
    assert response.headers["Location"] == f"/api/v1/invitations/{body['id']}"
    link = body["link"]
    assert link.startswith("http://localhost/a/harbour/i/")
    token_part = link.rsplit("/", 1)[1]
    assert len(token_part) >= 32 and "Ana" not in response.get_data(as_text=True)
    # Rows: the patient made (who they are, encrypted), the invitation, one link's hash.
    invitation = db.session.get(Invitation, body["id"])
    assert invitation is not None and invitation.patient_id == body["patient_id"]
    assert invitation.agency_id == harbour.id and invitation.created_by == f"api-token:{token[:12]}"
    patient = db.session.get(Patient, body["patient_id"])
    assert patient_identity(patient) == {"name": "Ana Ruiz", "date_of_birth": "1971-04-02",
                                         "phone": "555-0177", "email": "ana@example.org"}
    [kept] = db.session.scalars(select(InvitationLink)).all()
    assert kept.invitation_id == invitation.id
    assert kept.token_hash == invitations.token_hash(token_part)
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "invited_patient")).all()
    assert entry.actor == f"api-token:{token[:12]}" and entry.agency_id == harbour.id
    assert entry.detail == f"patient {body['patient_id']}"
    # The link asks for the date of birth, and the right one opens the checklist.
    page = client.get(link.removeprefix("http://localhost"))
    assert page.status_code == 200 and "Your checklist before your infusion on" in page.text
    opened = client.post(link.removeprefix("http://localhost"), data={
        "csrf_token": token_in(page.text), "date_of_birth-day": "02",
        "date_of_birth-month": "04", "date_of_birth-year": "1971"})
    assert opened.status_code == 303 and "/d/" in opened.headers["Location"]
    # Its state, by the Location: opened, and no link in it.
    state = client.get(response.headers["Location"], headers=bearer(token))
    assert state.status_code == 200 and state.get_json()["state"] == "opened"
    assert token_part not in state.get_data(as_text=True)


def test_a_known_patient_is_found_by_name_and_date_of_birth(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    sent = submit(harbour, "nothing-to-flag")  # Ana Ruiz, born 2 April 1971
    known = db.session.scalar(select(PatientSubmission.patient_id).where(
        PatientSubmission.submission_id == sent.id))
    response = create(client, token, ana(harbour, name="  ana   RUIZ "))
    assert response.status_code == 201
    assert response.get_json()["patient_id"] == known
    assert counts()["patients"] == 1
    again = create(client, token, ana(harbour, infusion_date=day(harbour, 30)))
    assert again.get_json()["patient_id"] == known
    assert again.get_json()["link"] != response.get_json()["link"]
    assert counts()["invitations"] == 2


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": "  "}, "name", "name: give the patient's name"),
    ({"name": None}, "name", "name: give the patient's name"),
    ({"name": 42}, "name", "name: give the patient's name"),
    ({"name": "A" * 201}, "name", "name: at most 200 characters"),
    ({"name": "Ana\u0000Ruiz"}, "name", "name: letters, spaces and marks only"),
    ({"date_of_birth": "02/04/1971"}, "date_of_birth", "date of birth: give it as YYYY-MM-DD"),
    ({"date_of_birth": "1971-13-02"}, "date_of_birth", "date of birth: give it as YYYY-MM-DD"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth",
     "date of birth: it cannot be in the future"),
    ({"date_of_birth": 19710402}, "date_of_birth", "date of birth: give it as YYYY-MM-DD"),
    ({"infusion_date": "tomorrow"}, "infusion_date", "infusion date: give it as YYYY-MM-DD"),
    ({"infusion_date": "2020-01-01"}, "infusion_date", "infusion date: it is before today"),
    ({"email": "not an address"}, "email", "email: give an address like name@example.org"),
    ({"email": ["ana@example.org"]}, "email", "email: give an address like name@example.org"),
    ({"phone": "5" * 41}, "phone", "phone: give a phone number of up to 40 characters"),
    ({"phone": "555\n0177"}, "phone", "phone: give a phone number of up to 40 characters"),
    ({"phone": 5550177}, "phone", "phone: give a phone number of up to 40 characters"),
    ({"dob": "1971-04-02"}, "dob", "dob: not a field of an invitation"),
])
def test_each_refusal_is_a_422_naming_its_field_and_nothing_is_stored(
        client: FlaskClient, token: str, harbour: Agency, changes: dict[str, Any], field: str,
        message: str) -> None:
    before = counts()
    response = create(client, token, ana(harbour, **changes))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["status"] == 422 and "nothing was stored" in error["message"]
    [problem] = error["problems"]
    assert problem["field"] == field and problem["message"].startswith(message)
    assert counts() == before


def test_the_same_words_as_the_command_line(app: Flask, client: FlaskClient, token: str,
                                            harbour: Agency) -> None:
    result = app.test_cli_runner().invoke(cli, [
        "invite", "harbour", "--name", "Ana Ruiz", "--date-of-birth", "1971-13-02",
        "--infusion-date", day(harbour, 2)])
    response = create(client, token, ana(harbour, date_of_birth="1971-13-02"))
    [problem] = response.get_json()["error"]["problems"]
    assert result.output.strip() == f"error: {problem['message']}"


def test_every_problem_is_named_at_once(client: FlaskClient, token: str,
                                        harbour: Agency) -> None:
    response = create(client, token, {"date_of_birth": "1971-04-31", "infusion_date": "",
                                      "email": "@"})
    assert response.status_code == 422
    assert [p["field"] for p in response.get_json()["error"]["problems"]] == [
        "name", "date_of_birth", "infusion_date", "email"]


@pytest.mark.parametrize(("data", "content_type", "status", "words"), [
    ('{"name": "Ana Ruiz"}', "text/plain", 415, "Content-Type is 'text/plain'"),
    ("name=Ana+Ruiz", "application/x-www-form-urlencoded", 415, "application/json"),
    ("", None, 415, "Content-Type is 'missing'"),
    ('{"name": ', "application/json", 400, "not valid JSON"),
    ('{"name": NaN}', "application/json", 400, "not valid JSON"),
    ('["Ana Ruiz"]', "application/json", 422, "body: send a JSON object"),
    ("null", "application/json", 422, "body: send a JSON object"),
    ('{"x": "' + "a" * (1024 * 1024) + '"}', "application/json", 413, "larger than 1 MiB"),
])
def test_a_body_that_is_not_an_invitation_is_refused_and_nothing_is_stored(
        client: FlaskClient, token: str, harbour: Agency, data: str,
        content_type: str | None, status: int, words: str) -> None:
    before = counts()
    headers = {**bearer(token), **({"Content-Type": content_type} if content_type else {})}
    response = client.post(URL, data=data, headers=headers)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert words in (error["problems"][0]["message"] if status == 422 else error["message"])
    assert counts() == before


@pytest.mark.parametrize("header", [None, "Bearer ivig_not-a-real-token", "Basic dXNlcjpwYXNz"])
def test_without_a_live_token_it_is_a_401_and_nothing_is_stored(
        client: FlaskClient, harbour: Agency, header: str | None) -> None:
    before = counts()
    response = client.post(URL, json=ana(harbour),
                           headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="ivig_home"')
    assert counts() == before


def test_another_agencys_token_neither_sees_nor_uses_this_agencys_patients(
        client: FlaskClient, token: str, harbour: Agency) -> None:
    ours = create(client, token, ana(harbour)).get_json()
    other = make_agency("other")
    their_token = tokens.create_token(other, "tests")[1]
    theirs = create(client, their_token, ana(other))
    assert theirs.status_code == 201
    # The same name and date of birth at another agency is another patient.
    assert theirs.get_json()["patient_id"] != ours["patient_id"]
    assert db.session.get(Patient, theirs.get_json()["patient_id"]).agency_id == other.id
    # Another agency's invitation is answered exactly like one that does not exist.
    hidden = client.get(f"{URL}/{ours['id']}", headers=bearer(their_token))
    missing = client.get(f"{URL}/no-such-invitation", headers=bearer(their_token))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json() == {
        "error": {"status": 404, "message": "No invitation with this id."}}
    # And its link does not open at the other agency's address.
    path = ours["link"].removeprefix("http://localhost")
    assert client.get(path.replace("/a/harbour/", "/a/other/")).status_code == 404
    assert client.get(f"{URL}/{ours['id']}", headers=bearer(token)).status_code == 200


def test_options_and_other_methods_name_post_only(client: FlaskClient, token: str) -> None:
    options = client.options(URL)
    assert options.status_code == 200 and options.headers["Allow"] == "OPTIONS, POST"
    for method in ("GET", "PUT", "DELETE"):
        response = client.open(URL, method=method, headers=bearer(token))
        assert response.status_code == 405 and response.headers["Allow"] == "OPTIONS, POST"
        assert response.get_json()["error"]["status"] == 405


def test_made_refused_and_isolated_on_each_database(db_app: Flask) -> None:
    mine, theirs = make_agency("mine"), make_agency("theirs")
    token, their_token = tokens.create_token(mine)[1], tokens.create_token(theirs)[1]
    client = db_app.test_client()
    refused = create(client, token, ana(mine, name="Ana\u0000Ruiz", infusion_date="2020-01-01",
                                        dob="\u0000"))
    assert refused.status_code == 422
    assert [p["field"] for p in refused.get_json()["error"]["problems"]] == [
        "name", "infusion_date", "dob"]
    made = create(client, token, ana(mine, name="Zoë O'Brien-Ruiz"))
    assert made.status_code == 201
    assert counts()["invitations"] == 1
    body = made.get_json()
    assert client.get(f"{URL}/{body['id']}", headers=bearer(their_token)).status_code == 404
    assert client.get(f"{URL}/a%00b", headers=bearer(token)).status_code == 404
    page = client.get(body["link"].removeprefix("http://localhost"))
    assert page.status_code == 200
    assert date.fromisoformat(body["infusion_date"]) > timezones.today(mine.time_zone)


def test_the_invitation_is_emailed_when_a_mail_server_is_set_up(
        app: Flask, client: FlaskClient, token: str, harbour: Agency, mailbox: Sink) -> None:
    response = create(client, token, ana(harbour, email="ana@example.org"))
    assert response.status_code == 201 and response.get_json()["emailed"] is True
    [message] = mailbox.messages
    assert message["To"] == "ana@example.org"
    body = str(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
    assert "Harbour Home Infusion" in body and "Ana" not in body
    # The email's link is a link of its own to the same invitation, under PUBLIC_URL.
    shown = response.get_json()["link"]
    assert shown.startswith("https://checklist.example.org/a/harbour/i/")
    emailed = next(line for line in body.splitlines() if "/a/harbour/i/" in line).strip()
    assert emailed != shown
    for link in (shown, emailed):
        assert client.get(link.removeprefix("https://checklist.example.org")).status_code == 200
    assert counts()["invitation_links"] == 2
