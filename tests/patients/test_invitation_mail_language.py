"""The invitation and reminder emails are written in the language in force when they are
made (`flask_babel.force_locale`), not the one of the page that sends them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale

from ivig_home import create_app
from ivig_home.patients.invitations import email_text
from tests.spanish import english_on_page

LINK = "https://checklist.example.org/a/demo/i/abc"


@pytest.fixture(scope="module")
def mail_app(compiled_catalogs: Path) -> Flask:
    """Return an app with the committed catalogs compiled (no database is touched)."""
    return create_app({"TESTING": True, "SECRET_KEY": "mail-language-key",
                       "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "BABEL_TRANSLATION_DIRECTORIES": str(compiled_catalogs)})


@pytest.mark.parametrize("reminder", [False, True])
def test_the_email_is_spanish_inside_force_locale_and_english_after(mail_app: Flask,
                                                                    reminder: bool) -> None:
    with mail_app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = email_text("Harbour Home Infusion", "14 March 2027", LINK, reminder=reminder)
        with force_locale("es"):
            subject, body = email_text("Harbour Home Infusion", "14 March 2027", LINK,
                                       reminder=reminder)
        assert email_text("Harbour Home Infusion", "14 March 2027", LINK,
                          reminder=reminder) == english
    assert subject == ("Recordatorio: su cuestionario antes de su infusión del 14 March 2027"
                       if reminder else "Su cuestionario antes de su infusión del 14 March 2027")
    assert body.startswith("Harbour Home Infusion le pide que llene el cuestionario")
    assert f"\n\n{LINK}\n\n" in body and body.endswith("¿Preguntas? Llame a Harbour Home "
                                                       "Infusion.\n")
    assert english_on_page(f"{subject} {body}") == []
    assert "Questions? Call Harbour Home Infusion." in english[1]


def test_an_english_email_sent_from_a_spanish_page_is_english(mail_app: Flask) -> None:
    """The language in force decides, not the browser of whoever sends the email."""
    with mail_app.test_request_context("/", headers={"Accept-Language": "es"}):
        with force_locale("en"):
            subject, _body = email_text("Harbour", "14 March 2027", LINK, reminder=False)
    assert subject == "Your checklist before your infusion on 14 March 2027"
