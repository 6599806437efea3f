"""Every catalog is complete (Spanish today; each language in ivig_home/translations): every
message the code and the checklist definition ask to translate today has a translation that
keeps its placeholders and its HTML.

A string newly wrapped in `_()` (or added to the definition) fails here until the catalog is
updated (`pybabel extract` and `pybabel update`, docs/patient.md) and translated. The pages'
and emails' messages and the checklist definition's wording are checked as two parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages import Catalog, Message
from babel.support import Translations

from ivig_home.checklist import load
from tests.spanish import (
    PLACEHOLDER,
    TAG,
    TRANSLATIONS,
    extracted,
    from_definition,
    pairs,
    read_catalog,
)

LANGUAGES = sorted(path.parent.parent.name
                   for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# Words written the same as in English, by language (a msgstr equal to its msgid is
# otherwise a message copied, not translated).
SAME_IN_BOTH = {"es": frozenset({"No", "Error:", "IVIG", "911", "IgA", "Diabetes"})}
PARTS = ("pages and emails", "checklist definition")


@pytest.fixture(scope="session", params=LANGUAGES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    """Return a committed catalog (each language in turn)."""
    return read_catalog(TRANSLATIONS / request.param / "LC_MESSAGES" / "messages.po")


@pytest.fixture(scope="session")
def wanted() -> dict[str, list[str]]:
    """Return the messages extracted from the code and the definition today."""
    return extracted()


def part_of(locations: list[str]) -> str:
    """Return which part of the catalog a message belongs to."""
    return PARTS[1] if from_definition(locations) else PARTS[0]


def messages(catalog: Catalog, part: str) -> Iterator[Message]:
    """Yield the catalog's messages of one part."""
    for message in catalog:
        if message.id and part_of([path for path, _line in message.locations]) == part:
            yield message


def short(text: str) -> str:
    return text if len(text) <= 70 else text[:67] + "..."


@pytest.mark.parametrize("part", PARTS)
def test_every_message_extracted_today_has_a_translation(
        catalog: Catalog, wanted: dict[str, list[str]], part: str) -> None:
    missing = []
    for msgid, locations in wanted.items():
        if part_of(locations) != part:
            continue
        message = catalog.get(msgid)
        if message is None:
            missing.append(f"not in the catalog: {short(msgid)!r} ({locations[0]})")
        elif message.fuzzy:
            missing.append(f"fuzzy: {short(msgid)!r}")
        elif not all(string for _english, string in pairs(message)):
            missing.append(f"untranslated: {short(msgid)!r}")
    assert not missing, f"{len(missing)} of the {part} messages:\n" + "\n".join(missing)


@pytest.mark.parametrize("part", PARTS)
def test_each_translation_keeps_the_placeholders_and_html_of_its_english(
        catalog: Catalog, part: str) -> None:
    wrong = []
    for message in messages(catalog, part):
        for english, translated in pairs(message):
            if not translated:
                continue
            # The same names; a translation may say one twice ("a %(name)s ... con %(name)s").
            if set(PLACEHOLDER.findall(english)) != set(PLACEHOLDER.findall(translated)):
                wrong.append(f"placeholders differ: {short(english)!r} -> {short(translated)!r}")
            if TAG.findall(english) != TAG.findall(translated):
                wrong.append(f"HTML differs: {short(english)!r} -> {short(translated)!r}")
            if re.sub(PLACEHOLDER, "", translated).count("%") != re.sub(
                    PLACEHOLDER, "", english).count("%"):
                wrong.append(f"a stray %: {short(translated)!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("part", PARTS)
def test_no_message_is_left_in_english(catalog: Catalog, part: str) -> None:
    copied = [english for message in messages(catalog, part)
              for english, translated in pairs(message)
              if translated and translated.strip() == english.strip()
              and english not in SAME_IN_BOTH.get(str(catalog.locale), frozenset())]
    assert not copied, "the same as in English:\n" + "\n".join(copied)


def test_the_languages_include_spanish() -> None:
    assert "es" in LANGUAGES


def test_the_spanish_catalog_compiles_and_answers_in_spanish(compiled_catalogs: Path) -> None:
    spanish = Translations.load(str(compiled_catalogs), ["es"])
    assert spanish.ugettext("Continue") == "Continuar"
    assert spanish.ugettext("Save and come back later") == "Guardar y volver más tarde"
    assert spanish.ungettext("A new question appeared", "New questions appeared",
                             2) == "Aparecieron preguntas nuevas"
    assert (spanish.ugettext("Step %(number)s of %(total)s:") % {"number": 3, "total": 28}
            == "Paso 3 de 28:")



def test_the_spanish_form_messages_fit_the_labels_they_name() -> None:
    """The Spanish date messages say "La %(label)s" and the phone's "el %(label)s": every
    date item's Spanish label is a "Fecha ...", the phone's a "Teléfono ..."."""
    spanish = read_catalog()
    for item in load().items.values():
        expected = "Fecha" if item.type == "date" else "Teléfono" if item.input == "tel" else ""
        if expected:
            message = spanish.get(item.label)
            assert message is not None and str(message.string).startswith(expected), item.id
