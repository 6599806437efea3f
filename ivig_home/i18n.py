"""Translation: Flask-Babel set-up and an extractor for the patient wording in the checklist."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from babel import Locale, support
from flask import Flask, current_app, g, has_app_context, request
from flask_babel import Babel, force_locale, get_translations

from ivig_home.checklist import NOT_A_DECISION_PATIENT, WORDING
from ivig_home.checklist.definition import CAREGIVER_CHOICES, CHOICE_TYPES

# Keys of the definition whose text a patient reads (the rest is for the care team).
PATIENT_KEYS = ("title", "intro", "question", "hint", "label", "patient", "not_asked",
                "caregiver_title", "caregiver_intro", "caregiver_question", "caregiver_hint",
                "caregiver_patient")


def select_locale() -> str | None:
    """Return the best of the available languages for the browser's Accept-Language."""
    available = current_app.extensions["ivig_home.languages"]
    return request.accept_languages.best_match(available) if request else None


def translations() -> support.NullTranslations:
    """Return the request's translations, looked up once per request.

    Flask-Babel's own gettext finds the locale and its catalogue again on every call, and a
    step page makes several hundred calls (questions, hints, option labels, buttons).
    """
    if not has_app_context():
        return support.NullTranslations()
    found: support.NullTranslations | None = g.get("_ivig_translations")
    if found is None:
        found = g._ivig_translations = get_translations()
    return found


def gettext(string: str, **variables: Any) -> str:
    """Translate a string for the request's language; format it with the variables if any."""
    text: str = translations().ugettext(string)
    return text % variables if variables else text


def N_(text: str) -> str:
    """Return the text as it is: marks a text for the catalogue (Babel's `N_` keyword) that
    is translated later, where it is used."""
    return text


def other_languages() -> list[str]:
    """Return the languages the app has a compiled catalogue for other than English, as
    language tags ('es', 'pt-BR'); none outside an app context."""
    if not has_app_context():
        return []
    return [code.replace("_", "-") for code in current_app.extensions["ivig_home.languages"]
            if Locale.parse(code).language != "en"]


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Make `gettext` translate into `language` (a tag from `other_languages`) inside the
    block; the request's own language comes back after it."""
    kept = g.pop("_ivig_translations", None)
    try:
        with force_locale(language.replace("-", "_")):
            yield
    finally:
        g.pop("_ivig_translations", None)
        if kept is not None:
            g._ivig_translations = kept


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with the translations in ivig_home/translations.

    The languages on offer are read once here (they ship with the code); templates get the
    per-request translation lookup above instead of Flask-Babel's per-call one.
    """
    # Each app has a Flask-Babel of its own, and so its own cache of loaded catalogues: one
    # shared by every app in a process would serve one app's catalogues to another.
    babel = Babel(app, locale_selector=select_locale)
    with app.app_context():
        app.extensions["ivig_home.languages"] = [
            str(locale) for locale in babel.list_translations()]
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: translations().ugettext(text),
        ngettext=lambda singular, plural, num: translations().ungettext(singular, plural, num),
        newstyle=True,
        pgettext=lambda context, text: translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, num: translations().unpgettext(
            context, singular, plural, num))


def _walk(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PATIENT_KEYS and isinstance(value, str) and value.strip():
                yield key, value
            elif key == "options":
                for option in value:
                    yield "option", str(option["label"])
                    if option.get("caregiver_label"):
                        yield "caregiver option", str(option["caregiver_label"])
            elif key not in ("sources", "checklist"):
                yield from _walk(value)
    elif isinstance(node, list):
        for child in node:
            yield from _walk(child)


def extract_checklist(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                      options: Any) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield the patient wording of a checklist definition for Babel's message catalogue."""
    document = tomllib.loads(fileobj.read().decode("utf-8"))
    seen: set[str] = set()
    fixed = [("answer", label) for choices in CHOICE_TYPES.values() for _, label in choices]
    fixed += [("caregiver answer", label) for labels in CAREGIVER_CHOICES.values()
              for label in labels.values()]
    fixed += [("heading", wording.patient_heading) for wording in WORDING.values()]
    fixed += [("caregiver heading", wording.caregiver_heading) for wording in WORDING.values()]
    fixed.append(("statement", NOT_A_DECISION_PATIENT))
    # How Item.display() and the summary show answers that have no option label.
    fixed += [("answer", text) for text in ("Yes, ticked", "Not ticked", "None of these",
                                             "Not answered")]
    for kind, text in [*_walk(document.get("sections", [])), *fixed]:
        if text not in seen:
            seen.add(text)
            yield 0, None, text, [f"checklist {kind}"]
