"""The language of invitation and reminder emails: the patient's latest checklist's, else the
invitation's --language, else the agency's default; the emailed link opens in it."""

from __future__ import annotations

import re
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message

from babel.dates import format_date
from flask import Flask
from sqlalchemy import select

from ivig_home import timezones
from ivig_home.agencies import api_tokens as tokens
from ivig_home.agencies import registry
from ivig_home.checklist import assess, long_date
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.intake import drafts, submissions
from ivig_home.models import Invitation
from tests.answers import example
from tests.mail_support import Sink, mailbox
from tests.patient.client import token_in
from tests.patients.returning_support import weeks_pass

__all__ = ["mailbox"]  # the local SMTP server's fixture

LINK = re.compile(r"https://checklist\.example\.org(/a/demo/i/[A-Za-z0-9_-]+(?:\?lang=[a-z]+)?)")


def invite(app: Flask, *extra: str) -> tuple[int, str]:
    with app.app_context():
        today = timezones.today(registry.get_agency("demo").time_zone)  # type: ignore[union-attr]
    result = app.test_cli_runner().invoke(cli, [
        "invite", "demo", "--name", "Ana Ruiz", "--date-of-birth", "1971-04-02",
        "--infusion-date", (today + timedelta(days=5)).isoformat(), "--email",
        "ana@example.org", *extra])
    return result.exit_code, result.output


def subject_of(message: Message) -> str:
    """Return the Subject as read (a non-ASCII one is encoded and folded in the header)."""
    return str(make_header(decode_header(str(message["Subject"]))))


def body_of(message: Message) -> str:
    return str(message.get_payload(decode=True).decode())  # type: ignore[union-attr]


def infusion_date(app: Flask) -> object:
    with app.app_context():
        return db.session.scalars(select(Invitation.infusion_on)
                                  .order_by(Invitation.created_at.desc())).first()


def send_in_spanish(app: Flask) -> None:
    """Ana Ruiz sends a checklist in Spanish (she becomes the agency's patient)."""
    document = example("nothing-to-flag")
    document["answers"].update(patient_name="Ana Ruiz", date_of_birth="1971-04-02")
    with app.app_context():
        draft = drafts.start_draft(registry.get_agency("demo"), "es")  # type: ignore[arg-type]
        drafts.save_draft(draft, document["answers"], "confirm")
        submissions.submit_draft(draft, assess(document))


def test_without_a_language_the_email_is_in_the_agencys_default(app: Flask,
                                                               mailbox: Sink) -> None:
    code, _ = invite(app)
    assert code == 0
    [message] = mailbox.messages
    infusion = long_date(infusion_date(app))  # type: ignore[arg-type]
    assert infusion in subject_of(message)
    [link] = LINK.findall(body_of(message))
    assert "?lang=" not in link
    assert '<html lang="en">' in app.test_client().get(link).text


def test_the_invitations_language_writes_the_email_and_opens_the_checklist_in_it(
        app: Flask, mailbox: Sink) -> None:
    code, _ = invite(app, "--language", "es")
    assert code == 0
    [message] = mailbox.messages
    spanish_date = format_date(infusion_date(app), "long", locale="es")
    assert subject_of(message) == f"Su cuestionario antes de su infusión del {spanish_date}"
    assert spanish_date in body_of(message) and "Demo Home Health" in body_of(message)
    [link] = LINK.findall(body_of(message))
    assert link.endswith("?lang=es")
    page = app.test_client().get(link).text
    assert '<html lang="es">' in page and 'name="lang" value="es"' in page


def test_the_latest_checklists_language_wins(app: Flask, mailbox: Sink) -> None:
    send_in_spanish(app)
    code, _ = invite(app, "--language", "en")
    assert code == 0
    [message] = mailbox.messages
    assert format_date(infusion_date(app), "long", locale="es") in subject_of(message)
    runner = app.test_cli_runner()
    with app.app_context():  # two days later: the 3-day reminder is due, in Spanish too
        found = db.session.scalars(select(Invitation)).one()
        found.infusion_on = found.infusion_on - timedelta(days=2)
        db.session.commit()
    assert runner.invoke(cli, ["send-reminders"]).output == "1 reminders sent.\n"
    reminder = mailbox.messages[-1]
    assert subject_of(reminder).startswith("Recordatorio: su cuestionario")
    assert format_date(infusion_date(app), "long", locale="es") in subject_of(reminder)
    assert LINK.findall(body_of(reminder))[0].endswith("?lang=es")


def test_a_language_the_agency_does_not_offer_is_refused(app: Flask) -> None:
    code, output = invite(app, "--language", "fr")
    assert code == 2
    assert "error: language: one of the languages the agency offers: en, es" in output
    with app.app_context():
        assert db.session.scalars(select(Invitation)).first() is None


def test_a_returning_spanish_patients_link_opens_their_pages_in_spanish(
        app: Flask, mailbox: Sink) -> None:
    send_in_spanish(app)
    weeks_pass(app)
    code, _ = invite(app)
    assert code == 0
    [link] = LINK.findall(body_of(mailbox.messages[-1]))
    assert link.endswith("?lang=es")
    client = app.test_client()
    page = client.get(link)
    assert '<html lang="es">' in page.text
    year, month, day = "1971-04-02".split("-")
    opened = client.post(link, data={"csrf_token": token_in(page.text), "lang": "es",
                                     "date_of_birth-day": day, "date_of_birth-month": month,
                                     "date_of_birth-year": year})
    assert opened.status_code == 303, opened.text
    about = client.get(opened.headers["Location"]).text
    assert '<html lang="es">' in about and 'name="action" value="unchanged"' in about
    # The returning page's switch is a button of its form: it keeps the page as it is.
    assert ('<button type="submit" form="step-form" name="lang" value="en" lang="en"'
            in about)
    switched = client.post(opened.headers["Location"], data={
        "csrf_token": token_in(about), "lang": "en"})
    assert switched.status_code == 303
    again = client.get(switched.headers["Location"]).text
    assert '<html lang="en">' in again and 'name="action" value="unchanged"' in again


def test_the_api_invites_in_a_language_the_agency_offers(app: Flask) -> None:
    with app.app_context():
        token = tokens.create_token(registry.get_agency("demo"), "tests")[1]  # type: ignore[arg-type]
        day = (timezones.today(registry.get_agency("demo").time_zone)  # type: ignore[union-attr]
               + timedelta(days=5)).isoformat()
    client = app.test_client()
    body = {"name": "Ana Ruiz", "date_of_birth": "1971-04-02", "infusion_date": day}
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.post("/api/v1/invitations", json={**body, "language": "fr"},
                          headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["problems"] == [{
        "field": "language",
        "message": "language: one of the languages the agency offers: en, es"}]
    made = client.post("/api/v1/invitations", json={**body, "language": "es"}, headers=headers)
    assert made.status_code == 201, made.text
    with app.app_context():
        assert db.session.scalars(select(Invitation.language)).one() == "es"
    document = client.get("/api/v1/openapi.json").get_json()
    assert "language" in document["components"]["schemas"]["InvitationRequest"]["properties"]
