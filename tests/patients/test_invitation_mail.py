"""Invitation and reminder emails through a local SMTP server: what they say, and once each."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import Message

from flask import Flask
from sqlalchemy import func, select

from ivig_home import timezones
from ivig_home.agencies import registry
from ivig_home.checklist import long_date
from ivig_home.cli import cli
from ivig_home.db import db
from ivig_home.models import Invitation, InvitationLink
from tests.mail_support import Sink, mailbox

__all__ = ["mailbox"]  # the local SMTP server's fixture


def _invite(app: Flask, days: int, *extra: str) -> str:
    with app.app_context():
        today = timezones.today(registry.get_agency("demo").time_zone)  # type: ignore[union-attr]
    result = app.test_cli_runner().invoke(cli, [
        "invite", "demo", "--name", "Ana Ruiz", "--date-of-birth", "1971-04-02",
        "--infusion-date", (today + timedelta(days=days)).isoformat(), *extra])
    assert result.exit_code == 0, result.output
    return result.output


LINK = re.compile(r"https://checklist\.example\.org/a/demo/i/[A-Za-z0-9_-]+")


def _body(message: Message) -> str:
    return str(message.get_payload(decode=True).decode())  # type: ignore[union-attr]


def test_the_invitation_email_names_the_agency_the_date_and_the_link_only(
        app: Flask, mailbox: Sink) -> None:
    output = _invite(app, 5, "--email", "ana@example.org", "--phone", "555-0177")
    assert "The invitation was emailed to the patient." in output
    link = output.rstrip().splitlines()[-1]
    assert link.startswith("https://checklist.example.org/a/demo/i/")
    [message] = mailbox.messages
    with app.app_context():
        infusion = long_date(db.session.scalar(select(Invitation.infusion_on)))
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == f"Your checklist before your infusion on {infusion}"
    body = _body(message)
    assert "Demo Home Health" in body and infusion in body
    # The email carries a link of its own: another token, opening the same invitation.
    [emailed] = LINK.findall(body)
    assert emailed != link and emailed.rsplit("/", 1)[1] != link.rsplit("/", 1)[1]
    client = app.test_client()
    for each in (link, emailed):
        page = client.get(each.removeprefix("https://checklist.example.org"))
        assert page.status_code == 200
        assert "Your checklist before your infusion on" in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InvitationLink)) == 2
    for private in ("Ana", "Ruiz", "1971", "555-0177", "April"):
        assert private not in body and private not in message["Subject"]


def test_reminders_go_3_days_and_1_day_before_each_once(app: Flask, mailbox: Sink) -> None:
    _invite(app, 3, "--email", "ana@example.org")
    _invite(app, 10)  # no email address given: the patient has the first one's
    runner = app.test_cli_runner()
    assert mailbox.messages and len(mailbox.messages) == 2  # both invitations emailed
    assert runner.invoke(cli, ["send-reminders"]).output == "1 reminders sent.\n"
    assert runner.invoke(cli, ["send-reminders"]).output == "0 reminders sent.\n"
    reminder = mailbox.messages[-1]
    assert reminder["Subject"].startswith("Reminder: your checklist before your infusion on")
    with app.app_context():  # two days later: the infusion is tomorrow
        first = db.session.scalar(select(Invitation).order_by(Invitation.created_at))
        first.infusion_on = first.infusion_on - timedelta(days=2)
        db.session.commit()
    assert runner.invoke(cli, ["send-reminders"]).output == "1 reminders sent.\n"
    assert runner.invoke(cli, ["send-reminders"]).output == "0 reminders sent.\n"
    assert len(mailbox.messages) == 4
    # Each email had a link of its own, and every one opens the first invitation.
    links = [LINK.findall(_body(message))[0] for message in mailbox.messages]
    assert len(set(links)) == 4
    client = app.test_client()
    for index in (0, 2, 3):
        page = client.get(links[index].removeprefix("https://checklist.example.org"))
        assert page.status_code == 200, index


def test_nothing_is_emailed_without_an_address_or_a_mail_server(app: Flask,
                                                                 mailbox: Sink) -> None:
    _invite(app, 1)
    assert mailbox.messages == []
    app.config["MAIL_SERVER"] = None
    _invite(app, 1, "--email", "ana@example.org")
    assert app.test_cli_runner().invoke(cli, ["send-reminders"]).output == (
        "0 reminders sent.\n")
    assert mailbox.messages == []
