"""Invitations: made by command and by a nurse, opened with the date of birth, locked after
five wrong dates, good until the day after the infusion, and the checklist the patient's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivig_home import maintenance, timezones
from ivig_home.agencies import registry
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.models import Agency, AuditEntry, Invitation, InvitationLink
from ivig_home.patients import invitations
from ivig_home.patients.matching import patient_ids_of
from tests.agency_support import make_agency
from tests.patient.client import Patient as FormFiller
from tests.patient.client import clean, section_form, token_in
from tests.staff.support import World, post

LINK = re.compile(r"(/a/([a-z0-9-]+)/i/([A-Za-z0-9_-]+))$")


def _today(agency: Agency) -> date:
    return timezones.today(agency.time_zone)


def _invite(app: Flask, *extra: str, infusion: date | None = None) -> tuple[str, str]:
    """Run `ivig-home invite` for Ana Ruiz at the demo agency; return its output and link."""
    with app.app_context():
        day = infusion or _today(registry.get_agency("demo")) + timedelta(days=3)
    result = app.test_cli_runner().invoke(cli, [
        "invite", "demo", "--name", "Ana Ruiz", "--date-of-birth", "1971-04-02",
        "--infusion-date", day.isoformat(), *extra])
    assert result.exit_code == 0, result.output
    last = result.output.rstrip("\n").splitlines()[-1]
    found = LINK.search(last)
    assert found, result.output
    return result.output, found.group(1)


def _open(client: FlaskClient, link: str, birth: str = "1971-04-02") -> object:
    page = client.get(link)
    year, month, day = birth.split("-")
    return client.post(link, data={"csrf_token": token_in(page.text),
                                   "date_of_birth-day": day, "date_of_birth-month": month,
                                   "date_of_birth-year": year})


def test_the_command_prints_the_link_last_and_stores_only_the_tokens_hash(app: Flask) -> None:
    output, link = _invite(app, "--email", "ana@example.org", "--phone", "555-0177")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "invited_patient"))
        assert entry is not None and entry.actor == "command line"
        assert "Ana" not in (entry.detail or "")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 32  # 192 random bits
    with app.app_context():
        stored = db.session.scalar(select(Invitation))
        assert stored is not None and stored.created_by == "command line"
        [kept] = db.session.scalars(select(InvitationLink)).all()
        assert kept.invitation_id == stored.id
        assert kept.token_hash == invitations.token_hash(token) != token
        # No column of either row holds the token or anything it is made from.
        for row in (stored, kept):
            for column in row.__table__.columns:
                assert token not in str(getattr(row, column.key)), column.key
        demo = registry.get_agency("demo")
        # Good until midnight at the end of the day after the infusion, New York time.
        end = datetime.combine(stored.infusion_on + timedelta(days=2), datetime.min.time(),
                               timezones.zone(demo.time_zone))
        assert stored.expires_at == end.astimezone(UTC)
    assert "Ana" not in output and "1971" not in output


@pytest.mark.parametrize(("args", "message"), [
    (["--date-of-birth", "1971-13-02"], "error: date of birth: give it as YYYY-MM-DD"),
    (["--infusion-date", "2020-01-01"], "error: infusion date: it is before today"),
    (["--email", "not an address"], "error: email: give an address like name@example.org"),
    (["--name", "  "], "error: name: give the patient's name"),
])
def test_the_command_names_the_field_it_refuses(app: Flask, args: list[str],
                                                message: str) -> None:
    base = {"--name": "Ana Ruiz", "--date-of-birth": "1971-04-02",
            "--infusion-date": (date.today() + timedelta(days=5)).isoformat()}
    base[args[0]] = args[1]
    result = app.test_cli_runner().invoke(cli, ["invite", "demo",
                                                *[x for pair in base.items() for x in pair]])
    assert result.exit_code == 2 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_the_link_opens_with_the_date_of_birth_and_the_checklist_is_the_patients(
        app: Flask, client: FlaskClient) -> None:
    _, link = _invite(app)
    page = client.get(link)
    assert page.status_code == 200
    assert "Your checklist before your infusion on" in page.text
    assert "Ana" not in page.text  # nothing about the patient before the date of birth
    wrong = _open(client, link, "1971-04-03")
    assert wrong.status_code == 200 and "does not match our invitation" in wrong.text
    opened = _open(client, link)
    assert opened.status_code == 303 and "/d/" in opened.headers["Location"]
    draft_id = opened.headers["Location"].split("/d/")[1].split("/")[0]
    # Opening it again goes back to the same draft.
    assert draft_id in _open(client, link).headers["Location"]
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.opened_at is not None and invitation.draft_id == draft_id
        patient_id = invitation.patient_id
    # The patient types their name another way: the checklist is still theirs.
    filler = FormFiller(app, client)
    filler.draft_id = draft_id
    filler.complete_until("before", clean(patient_name="Ana M. Ruiz"))
    sent = filler.post("confirm", section_form(
        "confirm", {"ack_not_decision": True, "ack_accurate": True}), action="submit")
    assert sent.status_code == 303, sent.text
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.submission_id is not None
        assert patient_ids_of([invitation.submission_id]) == {
            invitation.submission_id: patient_id}
        assert invitations.invitation_state(invitation) == "sent"
    again = client.get(link)
    assert "Thank you: your checklist is sent" in again.text


def test_five_wrong_dates_lock_the_invitation_for_15_minutes(app: Flask,
                                                              client: FlaskClient) -> None:
    app.config["RESUME_RATE_LIMIT"] = "1000 per minute"
    _, link = _invite(app)
    statuses = [_open(client, link, "1980-01-01").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = _open(client, link)  # even the right date now
    assert locked.status_code == 429
    assert "Wait 15 minutes, then try again." in locked.text


def test_another_agencys_slug_or_an_expired_link_answers_404(app: Flask,
                                                             client: FlaskClient) -> None:
    with app.app_context():
        make_agency("harbour")
    _, link = _invite(app)
    assert client.get(link.replace("/a/demo/", "/a/harbour/")).status_code == 404
    assert client.get(link[:-4] + "AAAA").status_code == 404
    assert client.get(link.replace("/a/demo/", "/embed/demo/")).status_code == 200
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        invitation.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert client.get(link).status_code == 404


def test_a_nurse_invites_from_the_patients_page_and_the_state_follows(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    with world.app.app_context():
        patient = patient_ids_of([world.own["risks"]])[world.own["risks"]]
        today = _today(db.session.get(Agency, world.own["agency"]))
    refused = post(client, f"/staff/patients/{patient}/invitations",
                   {"infusion_date": "someday", "email": ""})
    assert refused.status_code == 400
    assert "infusion date: give it as YYYY-MM-DD" in refused.text
    made = post(client, f"/staff/patients/{patient}/invitations",
                {"infusion_date": (today + timedelta(days=2)).isoformat(),
                 "email": "george@example.org"})
    assert made.status_code == 200 and "it is shown only now" in made.text
    assert LINK.search(re.search(r'<p class="snippet">([^<]+)</p>', made.text).group(1))
    listing = client.get("/staff/patients").text
    # Invited, the infusion in two days, nothing sent: due.
    assert re.search(r"patients__row--due", listing) and "Due: nothing sent yet" in listing
    with world.app.app_context():
        actions = db.session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "invited_patient")).all()
    assert actions == [f"patient {patient}"]


def test_every_link_of_an_invitation_opens_it_and_the_lock_counts_them_together(
        app: Flask, client: FlaskClient) -> None:
    app.config["RESUME_RATE_LIMIT"] = "1000 per minute"
    _, shown = _invite(app)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        # As an email or a reminder gets one: a fresh token, another row of hashes.
        second, _ = invitations.new_link(invitation)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(InvitationLink)) == 2
    assert second != shown
    for link in (shown, second):
        assert client.get(link).status_code == 200
    # Wrong dates through either link count against the one invitation.
    statuses = [_open(client, link, "1980-01-01").status_code
                for link in (shown, second, shown, second, shown)]
    assert statuses == [200, 200, 200, 200, 429]
    assert _open(client, second).status_code == 429


def test_purge_forgets_the_links_of_expired_invitations_only(app: Flask) -> None:
    _invite(app)
    _invite(app, infusion=date.today() + timedelta(days=20))
    with app.app_context():
        first = db.session.scalar(select(Invitation).order_by(Invitation.infusion_on))
        first.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        maintenance.purge()
        left = db.session.scalars(select(InvitationLink.invitation_id)).all()
        assert len(left) == 1 and left[0] != first.id
        # The invitation itself stays with the patient (its state, for the nurse).
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2


def test_the_command_names_every_problem_at_once(app: Flask) -> None:
    result = app.test_cli_runner().invoke(cli, [
        "invite", "demo", "--name", "Ana Ruiz", "--date-of-birth", "1971-02-30",
        "--infusion-date", "2020-01-01", "--email", "ana at example.org"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: date of birth: give it as YYYY-MM-DD",
        f"error: infusion date: it is before today ({_today_demo(app).isoformat()})",
        "error: email: give an address like name@example.org"]


def _today_demo(app: Flask) -> date:
    with app.app_context():
        return _today(registry.get_agency("demo"))  # type: ignore[arg-type]


def test_a_nurse_chooses_the_language_of_an_invitation_when_the_agency_offers_two(
        world: World, as_user: Callable[[str | None], FlaskClient]) -> None:
    client = as_user("nurse@demo.test")
    with world.app.app_context():
        demo = db.session.get(Agency, world.own["agency"])
        registry.update_agency(demo, languages="en,es")
        patient = patient_ids_of([world.own["risks"]])[world.own["risks"]]
        infusion = (_today(demo) + timedelta(days=2)).isoformat()
    page = client.get(f"/staff/patients/{patient}").text
    assert 'name="language" value="en" checked' in page and ">Spanish</label>" in page
    for asked, stored in (("es", "es"), ("fr", "en")):  # a language not offered: the default
        made = post(client, f"/staff/patients/{patient}/invitations",
                    {"infusion_date": infusion, "email": "", "language": asked})
        assert made.status_code == 200, made.text
        with world.app.app_context():
            newest = db.session.scalars(select(Invitation).order_by(
                Invitation.created_at.desc())).first()
            assert newest is not None and newest.language == stored
