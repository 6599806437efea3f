"""The patient's language: chosen by ?lang, the browser or the agency; kept with the draft
(never a cookie); switched on any page, keeping every answer; dates written in it."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivig_home.agencies import registry
from tests.patient.client import DRAFT, Patient, clean, section_form, token_in

HTML_LANG = re.compile(r'<html lang="([a-z]+)">')
CODE = re.compile(r'<span aria-hidden="true">([A-Z0-9]{4}-[A-Z0-9]{4})</span>')
SWITCH = re.compile(r'<nav class="language-switch".*?</nav>', re.S)


def lang_of(html: str) -> str:
    found = HTML_LANG.search(html)
    assert found, "no <html lang>"
    return found.group(1)


def switch_of(html: str) -> str:
    found = SWITCH.search(html)
    assert found, "no language switch"
    return found.group(0)


class FormFields(HTMLParser):
    """Collect the (name, value) pairs of a form's controls, and of the buttons that belong
    to it from outside (form=...)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.pairs: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if tag in ("input", "button", "select", "textarea", "option") and found.get("name") \
                and (self.inside or found.get("form") == self.form_id):
            if found.get("name") == "csrf_token":
                return
            self.pairs.add((str(found["name"]), str(found.get("value") or "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_fields(html: str, form_id: str = "step-form") -> set[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.pairs


def start(client: FlaskClient, slug: str = "demo", query: str = "",
          **headers: str) -> tuple[str, Any]:
    """Open the start page (with a query or headers), press Start now as the page's form
    posts it; return the new draft's id and the first step's response."""
    page = client.get(f"/a/{slug}/{query}", headers=headers)
    lang = re.search(r'name="lang" value="([a-z]+)"', page.text)
    assert lang, "the start form carries the page's language"
    response = client.post(f"/a/{slug}/", data={"csrf_token": token_in(page.text),
                                                 "lang": lang.group(1)}, headers=headers)
    assert response.status_code == 303
    found = DRAFT.search(response.headers["Location"])
    assert found
    return found.group(1), client.get(response.headers["Location"])


def test_the_start_page_follows_lang_then_the_browser_then_the_agency(
        client: FlaskClient) -> None:
    assert lang_of(client.get("/a/demo/").text) == "en"  # the agency's default
    spanish = client.get("/a/demo/?lang=es").text
    assert lang_of(spanish) == "es"
    assert "Prepárese para la IVIG en casa" in spanish and "Empezar ahora" in spanish
    assert 'aria-label="Idioma"' in spanish
    switch = switch_of(spanish)
    # Each language named in itself, with its own lang; the current one is not a link.
    assert '<a href="/a/demo/?lang=en" lang="en" hreflang="en"' in switch
    assert '<span class="language-switch__current" lang="es" aria-current="true">Español' \
        in switch
    assert lang_of(client.get("/a/demo/", headers={"Accept-Language": "es-MX,es;q=0.9"}).text) \
        == "es"
    # The URL's choice wins over the browser's; a language not offered is ignored.
    assert lang_of(client.get("/a/demo/?lang=en",
                              headers={"Accept-Language": "es"}).text) == "en"
    assert lang_of(client.get("/a/demo/?lang=fr").text) == "en"
    assert lang_of(client.get("/a/demo/", headers={"Accept-Language": "fr, en;q=0.5"}).text) \
        == "en"
    # No cookie is set to remember any of it.
    assert "Set-Cookie" not in client.get("/a/demo/?lang=es").headers


def test_the_draft_is_made_in_the_start_pages_language_and_keeps_it(
        app: Flask, client: FlaskClient) -> None:
    draft_id, first = start(client, query="?lang=es")
    assert lang_of(first.text) == "es"
    # The draft's language wins over the browser's from now on; there is no cookie.
    again = client.get(f"/a/demo/d/{draft_id}/about", headers={"Accept-Language": "en"})
    assert lang_of(again.text) == "es"
    assert lang_of(client.get(f"/a/demo/d/{draft_id}/about?lang=en").text) == "es"
    assert not client.get_cookie("session")
    browser_draft, first = start(client, **{"Accept-Language": "es"})
    assert lang_of(first.text) == "es"
    patient = Patient(app, client)
    patient.draft_id = browser_draft
    assert patient.draft().language == "es"


def test_switching_on_a_step_keeps_what_was_typed_and_shows_the_step_again(
        app: Flask, client: FlaskClient) -> None:
    draft_id, first = start(client)
    assert lang_of(first.text) == "en"
    switch = switch_of(first.text)
    assert ('<button type="submit" form="step-form" name="lang" value="es" lang="es" '
            'class="language-switch__choice">Español</button>') in switch
    # Without JavaScript the browser posts the step form with the button's name and value:
    # the name typed (and a half-typed date of birth) go with it.
    response = client.post(f"/a/demo/d/{draft_id}/about", data={
        "csrf_token": token_in(first.text), "shown": ["patient_name", "date_of_birth"],
        "patient_name": "María José Pérez", "date_of_birth-day": "14",
        "date_of_birth-month": "3", "date_of_birth-year": "", "lang": "es"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/a/demo/d/{draft_id}/about")
    page = client.get(response.headers["Location"]).text
    assert lang_of(page) == "es"
    assert ">Continuar<" in page and ">Continue<" not in page
    assert 'value="María José Pérez"' in page
    patient = Patient(app, client)
    patient.draft_id = draft_id
    assert patient.answers() == {"patient_name": "María José Pérez"}
    assert patient.draft().language == "es"
    # And back to English, on a later step, from the check page's form too.
    patient.complete_until("before", clean())
    check = client.get(f"/a/demo/d/{draft_id}/confirm")
    assert check.status_code == 200 and lang_of(check.text) == "es"
    response = client.post(f"/a/demo/d/{draft_id}/confirm", data={
        "csrf_token": token_in(check.text), "shown": ["ack_not_decision", "ack_accurate"],
        "ack_not_decision": "true", "lang": "en"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/a/demo/d/{draft_id}/confirm")
    assert lang_of(client.get(response.headers["Location"]).text) == "en"
    assert patient.answers()["ack_not_decision"] is True


def test_a_steps_form_posts_the_same_names_and_values_in_both_languages(
        patient: Patient, client: FlaskClient) -> None:
    patient.complete_until("about", clean())
    for step_id in ("about", "about-who", "about-contact", "today"):
        english = patient.get(step_id).text
        assert lang_of(english) == "en"
        response = patient.post(step_id, {"lang": "es"}, action="")
        assert response.status_code == 303
        spanish = patient.get(step_id).text
        assert lang_of(spanish) == "es"
        # The switch offers the other language; everything else is the same.
        assert ("lang", "es") in form_fields(english) and ("lang", "en") in form_fields(spanish)
        switches = {("lang", "en"), ("lang", "es")}
        assert form_fields(spanish) - switches == form_fields(english) - switches, step_id
        assert len(form_fields(english) - switches) > 2
        patient.post(step_id, {"lang": "en"}, action="")


def test_the_language_survives_save_and_resume(patient: Patient, client: FlaskClient) -> None:
    patient.post("about", {"lang": "es"}, action="")
    answers = clean()
    saved = patient.post("about", section_form("about", answers), action="save")
    code = CODE.search(saved.text).group(1)  # type: ignore[union-attr]
    fresh = client.application.test_client()  # another device: nothing in common but the code
    page = fresh.get("/a/demo/resume")
    assert lang_of(page.text) == "en"
    born = date.fromisoformat(answers["date_of_birth"])
    response = fresh.post("/a/demo/resume", data={
        "csrf_token": token_in(page.text), "code": code, "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month), "date_of_birth-year": str(born.year)})
    assert response.status_code == 303
    page = fresh.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert lang_of(page.text) == "es"


def test_the_saved_and_sent_pages_write_dates_in_spanish(patient: Patient,
                                                        client: FlaskClient) -> None:
    patient.post("about", {"lang": "es"}, action="")
    page = patient.post("about", section_form("about", clean()), action="save").text
    months = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")
    assert re.search(r"\d{1,2} de (" + "|".join(months) + r") de \d{4}", page), page
    assert not re.search(r"(January|February|March|April|May|June|July|August|September|"
                         r"October|November|December) \d", page)


def test_a_draft_page_without_a_step_form_posts_the_switch(patient: Patient,
                                                           client: FlaskClient) -> None:
    patient.complete_until("before", clean())
    sent = patient.post("confirm", {"shown": ["ack_not_decision", "ack_accurate"],
                                    "ack_not_decision": "true", "ack_accurate": "true"},
                        action="submit")
    assert sent.status_code == 303
    sent = patient.get("sent").text
    assert lang_of(sent) == "en"
    switch = switch_of(sent)
    assert f'action="/a/demo/d/{patient.draft_id}/language"' in switch
    token = re.search(r'name="csrf_token" value="([^"]+)"', switch).group(1)  # type: ignore[union-attr]
    back = f"/a/demo/d/{patient.draft_id}/sent"
    url = f"/a/demo/d/{patient.draft_id}/language"
    response = client.post(url, data={"csrf_token": token, "lang": "es", "back": back})
    assert response.status_code == 303 and response.headers["Location"] == back
    assert lang_of(patient.get("sent").text) == "es"
    # Never a redirect off the draft's own pages; never without the form's token.
    away = client.post(url, data={"csrf_token": token, "lang": "en",
                                  "back": "https://elsewhere.example/"})
    assert away.headers["Location"].startswith(f"/a/demo/d/{patient.draft_id}/")
    assert client.post(url, data={"lang": "en", "back": back}).status_code == 400


def test_an_agency_offering_english_alone_shows_no_switch(app: Flask,
                                                          client: FlaskClient) -> None:
    with app.app_context():
        registry.create_agency("plain", "Plain Home Care", "555-0111")
    for headers in ({}, {"Accept-Language": "es"}):
        page = client.get("/a/plain/?lang=es", headers=headers).text
        assert lang_of(page) == "en"
        assert "language-switch" not in page
    draft_id, first = start(client, "plain", "?lang=es")
    assert lang_of(first.text) == "en" and "language-switch" not in first.text
    response = client.post(f"/a/plain/d/{draft_id}/about", data={
        "csrf_token": token_in(first.text), "lang": "es"})
    assert response.status_code == 303
    assert lang_of(client.get(f"/a/plain/d/{draft_id}/about").text) == "en"


def test_turning_a_language_off_takes_effect_on_the_next_page(app: Flask,
                                                              client: FlaskClient) -> None:
    draft_id, first = start(client, query="?lang=es")
    assert lang_of(first.text) == "es"
    with app.app_context():
        registry.update_agency(registry.get_agency("demo"), languages="en")  # type: ignore[arg-type]
    assert lang_of(client.get(f"/a/demo/d/{draft_id}/about").text) == "en"


@pytest.mark.parametrize("value", ["en,fr", "xx", "", " , "])
def test_an_agency_cannot_offer_a_language_without_a_translation(app: Flask,
                                                                 value: str) -> None:
    with app.app_context(), pytest.raises(registry.AgencyRefused):
        registry.update_agency(registry.get_agency("demo"), languages=value)  # type: ignore[arg-type]


def test_the_languages_are_cleaned(app: Flask) -> None:
    with app.app_context():
        agency = registry.update_agency(registry.get_agency("demo"),  # type: ignore[arg-type]
                                        languages=" ES, en ,es")
        assert agency.languages == "es,en"
        assert agency.language_list == ["es", "en"]


def test_an_agency_whose_default_is_spanish(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        registry.create_agency("casa", "Casa Salud", "555-0112", languages="es,en")
    assert lang_of(client.get("/a/casa/").text) == "es"
    # A browser that asks for English gets it: it is offered.
    assert lang_of(client.get("/a/casa/", headers={"Accept-Language": "en-US,en"}).text) == "en"


def test_a_spanish_hint_gives_its_example_date_in_the_agencys_box_order(
        patient: Patient) -> None:
    patient.post("about", {"lang": "es"}, action="")
    page = patient.get("about").text
    # The demo agency writes dates month first (en-US): so does its Spanish page.
    assert "Por ejemplo, 3 27 1958." in page
    assert page.index('name="date_of_birth-month"') < page.index('name="date_of_birth-day"')
