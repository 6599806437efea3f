"""A form sent twice (a double click, a reload that posts again, a retry) is answered cleanly.

Sending twice is in test_help_and_send.py (one submission); here, every other form.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.answers import answers_today
from tests.patient.client import Patient, section_form, token_in

CODE = re.compile(r"[3-9A-Z]{4}-[3-9A-Z]{4}")


def test_a_step_posted_again_later_keeps_every_answer_given_since(app: Flask,
                                                                  client: FlaskClient) -> None:
    answers = answers_today("clinical-risk-factors")
    patient = Patient(app, client)
    patient.start()
    first = section_form("about", answers)
    token = token_in(patient.get("about").text)
    assert patient.post("about", first, token=token).status_code == 303
    patient.complete_until("history", answers)
    before = patient.answers()
    again = patient.post("about", first, token=token)  # the old page, sent once more
    assert again.status_code == 303
    assert patient.answers() == before
    assert patient.draft().step == "about-who"  # the step after the one sent again


def test_start_pressed_twice_gives_two_working_drafts(app: Flask, client: FlaskClient) -> None:
    token = token_in(client.get("/a/demo/").text)
    drafts = [client.post("/a/demo/", data={"csrf_token": token}) for _ in range(2)]
    assert [response.status_code for response in drafts] == [303, 303]
    for response in drafts:
        assert client.get(response.headers["Location"]).status_code == 200


def test_help_now_continue_pressed_twice_moves_on_both_times(app: Flask,
                                                             client: FlaskClient) -> None:
    patient = Patient(app, client)
    patient.start()
    patient.complete_until("about", answers_today("emergency"))
    response = patient.answer("today", answers_today("emergency"))
    help_now = response.headers["Location"]
    token = token_in(client.get(help_now).text)
    pressed = [client.post(help_now, data={"csrf_token": token}) for _ in range(2)]
    assert [r.status_code for r in pressed] == [303, 303]
    assert pressed[0].headers["Location"] == pressed[1].headers["Location"]


def test_save_pressed_twice_gives_a_code_that_works(app: Flask, client: FlaskClient) -> None:
    answers = answers_today("nothing-to-flag")
    patient = Patient(app, client)
    patient.start()
    token = token_in(patient.get("about").text)
    pages = [patient.post("about", section_form("about", answers), action="save", token=token)
             for _ in range(2)]
    assert [page.status_code for page in pages] == [200, 200]
    code = CODE.search(pages[-1].text).group(0)  # type: ignore[union-attr]
    day, month, year = (str(int(part)) for part in answers["date_of_birth"].split("-")[::-1])
    resume = {"code": code, "date_of_birth-day": day, "date_of_birth-month": month,
              "date_of_birth-year": year,
              "csrf_token": token_in(client.get("/a/demo/resume").text)}
    opened = [client.post("/a/demo/resume", data=resume) for _ in range(2)]
    assert [response.status_code for response in opened] == [303, 303]
    assert opened[0].headers["Location"].endswith(f"/d/{patient.draft_id}/about")
    assert patient.answers()["patient_name"] == answers["patient_name"]
