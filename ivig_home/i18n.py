"""Translation: Flask-Babel set-up and an extractor for the patient wording in the checklist."""

from __future__ import annotations

import logging
import os
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from babel import Locale, support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations, refresh

from ivig_home.checklist import NOT_A_DECISION_PATIENT, WORDING
from ivig_home.checklist.definition import CAREGIVER_CHOICES, CHOICE_TYPES

log = logging.getLogger("ivig_home")

DEFAULT_LANGUAGE = "en"
# The language the care team reads: their pages, the PDF summary and its answers.
STAFF_LANGUAGE = "en"
TRANSLATIONS = Path(__file__).with_name("translations")

def language_name(code: str, in_language: str | None = None) -> str:
    """Return a language's name from Babel's locale data: in itself ('Español'), as the
    switch on the patient pages shows it, or in `in_language` ('Spanish' in 'en'). A new
    language needs no name written here; a code Babel does not know is shown as it is."""
    try:
        found = Locale.parse(code).get_display_name(in_language or code)
    except (ValueError, TypeError):
        return code
    return found[:1].upper() + found[1:] if found else code


# Keys of the definition whose text a patient reads (the rest is for the care team).
PATIENT_KEYS = ("title", "intro", "question", "hint", "label", "patient", "not_asked",
                "caregiver_title", "caregiver_intro", "caregiver_question", "caregiver_hint",
                "caregiver_patient")


class LanguageRefused(ValueError):
    """Not a language ivig_home ships a translation of."""


def available_languages() -> list[str]:
    """Return the languages with a compiled catalogue (English, the source, always)."""
    return list(current_app.extensions["ivig_home.languages"])


def check_languages(value: str | list[str] | tuple[str, ...]) -> str:
    """Return languages like 'en,es' cleaned (lower case, no repeats, the default first as
    given), or raise LanguageRefused for one without a catalogue, or for none at all."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    codes = list(dict.fromkeys(part.strip().lower().replace("_", "-") for part in parts
                               if part.strip()))
    if not codes:
        raise LanguageRefused("Give at least one language, like 'en' or 'en,es'.")
    available = available_languages()
    unknown = [code for code in codes if code not in available]
    if unknown:
        raise LanguageRefused(
            f"No translation of the checklist into {', '.join(map(repr, unknown))} ships "
            f"with ivig_home: use {', '.join(available)}.")
    return ",".join(codes)


def offered(agency: Any) -> list[str]:
    """Return the languages an agency offers that have a catalogue, its default first."""
    available = available_languages()
    codes = [code for code in str(getattr(agency, "languages", None) or DEFAULT_LANGUAGE)
             .split(",") if code in available]
    return codes or [DEFAULT_LANGUAGE]


def choose_language(agency: Any, draft: Any = None, asked: str | None = None) -> str:
    """Return the language of a patient page (docs/patient.md, "Language").

    A draft's own language, once there is a draft. Before one: the language asked for (the
    `lang` of the URL or of the start form), if the agency offers it; else the one the
    browser's Accept-Language prefers among those the agency offers; else the agency's
    default, the first it lists. A language the agency no longer offers falls back the same
    way, so turning a language off takes effect on the next page.
    """
    languages = offered(agency)
    if draft is not None and getattr(draft, "language", None) in languages:
        return str(draft.language)
    if asked in languages:
        return str(asked)
    if draft is None and has_request_context() and request.accept_languages:
        best = request.accept_languages.best_match(languages)
        if best:
            return str(best)
    return languages[0]


# Blueprints whose readers are the care team and the agency's systems: always English.
STAFF_BLUEPRINTS = frozenset({"staff", "api", "fhir"})


def select_locale() -> str | None:
    """Return the page's language: the one a patient page chose (`g.language`); English for
    the care team's pages, the API and FHIR; else the best of the available languages for
    the browser's Accept-Language (an error page outside the checklist)."""
    chosen = g.get("language") if has_app_context() else None
    if chosen:
        return str(chosen)
    if has_request_context() and request.blueprint in STAFF_BLUEPRINTS:
        return STAFF_LANGUAGE
    available = current_app.extensions["ivig_home.languages"]
    return request.accept_languages.best_match(available) if request else None


def set_language(language: str) -> None:
    """Make `language` the request's language from here on (the page's own choice)."""
    g.language = language
    refresh()


def compile_catalogs(directory: Path = TRANSLATIONS) -> None:
    """Compile each shipped catalogue (.po) whose compiled copy (.mo) is missing or older.

    `scripts/run` and `scripts/test` compile them with pybabel first; this makes sure the
    app never depends on that step. The .mo is written beside the .po through a temporary
    file and a rename, so workers starting together never read half a file. A read-only
    install that ships its compiled catalogues is left as it is.
    """
    for source in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        target = source.with_suffix(".mo")
        try:
            if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
                continue
            with source.open("rb") as handle:
                catalog = read_po(handle, locale=source.parent.parent.name)
            handle_fd, temporary = tempfile.mkstemp(dir=source.parent, suffix=".mo.tmp")
            with os.fdopen(handle_fd, "wb") as out:
                write_mo(out, catalog)
            os.replace(temporary, target)
        except OSError as error:
            log.warning("catalogue not compiled: %s", type(error).__name__)


def translations() -> support.NullTranslations:
    """Return the request's translations, looked up once per request.

    Flask-Babel's own gettext finds the locale and its catalogue again on every call, and a
    step page makes several hundred calls (questions, hints, option labels, buttons).
    """
    if not has_app_context():
        return support.NullTranslations()
    # Per language, so a part rendered under flask_babel.force_locale (the care team's PDF
    # during a patient's request, an email) gets its own language's catalogue.
    locale = str(get_locale() or DEFAULT_LANGUAGE)
    cache: dict[str, support.NullTranslations] | None = g.get("_ivig_translations")
    if cache is None:
        cache = g._ivig_translations = {}
    found = cache.get(locale)
    if found is None:
        found = cache[locale] = get_translations()
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
    compile_catalogs()
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
