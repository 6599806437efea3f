"""The Spanish catalog for the tests: read it, extract what the code asks to translate today,
compile it for an app, and find English sentences left on a page shown in Spanish.

`english_on_page(text)` is for any test that shows a page in Spanish, in a browser
(`page.inner_text("body")`) or with the test client (`visible_text(response.text)`): it
returns every English sentence of the catalog found in the page's text, for each message at
least three words long (between its placeholders) whose Spanish differs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path

from babel.messages import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ivig_home.config import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "ivig_home" / "translations"
SPANISH = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
BABEL_CFG = PROJECT_ROOT / "babel.cfg"
DEFINITION = "ivig_home/checklist/ivig_home_v1.toml"  # the checklist's own wording
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")
TAG = re.compile(r"<[^>]*>")
# Attributes whose words a patient reads or hears (patient.js shows the data-*-text ones).
SPOKEN_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder")
SHORTEST = 3  # words: shorter English ("Continue", "Call 911") is not looked for on a page


def read_catalog(path: Path = SPANISH) -> Catalog:
    """Return a committed catalog, as read from its .po file."""
    with open(path, "rb") as handle:
        return read_po(handle)


def extracted() -> dict[str, list[str]]:
    """Return every message the code asks to translate today (as `pybabel extract -F
    babel.cfg` finds it), with the files it comes from. A plural is keyed by its singular."""
    with open(BABEL_CFG, encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(BABEL_CFG))
    found: dict[str, list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT, method_map, options_map,
            directory_filter=lambda path: Path(path).name not in ("node_modules", "tests")
            and not Path(path).name.startswith((".", "_"))):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(filename)
    return found


def from_definition(locations: Iterable[str]) -> bool:
    """Return whether a message comes only from the checklist definition (its wording is
    translated apart from the pages')."""
    files = [str(location) for location in locations]
    return bool(files) and all(file == DEFINITION for file in files)


def outside_definition(message: Message) -> bool:
    """Return whether a catalog message is the pages' or the emails' (not only the
    checklist definition's)."""
    return not from_definition(path for path, _line in message.locations)


def compile_catalogs(target: Path, source: Path = TRANSLATIONS) -> Path:
    """Compile every committed catalog into `target` (a BABEL_TRANSLATION_DIRECTORIES for
    an app; the .mo files are not kept in git); return `target`."""
    for po_file in source.glob("*/LC_MESSAGES/messages.po"):
        folder = target / po_file.relative_to(source).parent
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "messages.mo", "wb") as handle:
            write_mo(handle, read_catalog(po_file))
    return target


def write_catalogs(folder: Path, **languages: dict[str, str]) -> Path:
    """Write a compiled catalog of the given translations for each language into `folder`
    (a BABEL_TRANSLATION_DIRECTORIES of its own); return `folder`."""
    for language, words in languages.items():
        catalog = Catalog(locale=language)
        for english, translated in words.items():
            catalog.add(english, translated)
        (folder / language / "LC_MESSAGES").mkdir(parents=True)
        with open(folder / language / "LC_MESSAGES" / "messages.mo", "wb") as handle:
            write_mo(handle, catalog)
    return folder


def pairs(message: Message) -> list[tuple[str, str]]:
    """Return a message's English and Spanish forms side by side (two for a plural)."""
    ids = [str(text) for text in (message.id if isinstance(message.id, (list, tuple))
                                  else [message.id])]
    strings = [str(text or "") for text in (message.string
                                            if isinstance(message.string, (list, tuple))
                                            else [message.string])]
    if len(ids) == 2 and len(strings) == 2:
        return [(ids[0], strings[0]), (ids[1], strings[1])]
    return [(ids[-1], string) for string in strings]


def _spaced(text: str) -> str:
    return " ".join(text.split())


def english_sentences(catalog: Catalog | None = None,
                      only: Callable[[Message], bool] | None = None) -> list[str]:
    """Return the English that must not be left on a Spanish page: each piece, between
    placeholders, of a translated message whose Spanish differs, three words or longer."""
    pieces: set[str] = set()
    for message in catalog if catalog is not None else read_catalog():
        if not message.id or message.fuzzy or (only and not only(message)):
            continue
        for english, spanish in pairs(message):
            if not spanish or _spaced(spanish) == _spaced(english):
                continue
            for piece in PLACEHOLDER.split(TAG.sub(" ", english)):
                piece = _spaced(piece)
                if sum(any(c.isalpha() for c in word) for word in piece.split()) >= SHORTEST:
                    pieces.add(piece)
    return sorted(pieces)


def english_on_page(text: str, catalog: Catalog | None = None,
                    only: Callable[[Message], bool] | None = None) -> list[str]:
    """Return the English sentences of the catalog found in a page's visible text."""
    page = _spaced(text)
    return [piece for piece in english_sentences(catalog, only) if piece in page]


class _Text(HTMLParser):
    """The text of a page's body, without its scripts and styles."""

    SKIPPED = ("script", "style", "template", "head", "title")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
            return
        self.parts.append(" ")
        for name, value in attrs:
            if value and (name in SPOKEN_ATTRIBUTES
                          or name.startswith("data-") and name.endswith(("-text", "announce"))):
                self.parts.append(f" {value} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        else:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Return the text a page shows or reads out, spaced once: hidden messages, labels for
    screen readers and the messages patient.js shows from data attributes included."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return _spaced("".join(parser.parts))
