"""The summary as a screen reader reads it: the PDF's tag tree, in order.

`pdfinfo -struct-text` (poppler) prints the structure elements and the text marked in each,
in the tree's order, which is the order assistive technology reads a tagged PDF in.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ivig_home.checklist import assess
from tests.answers import example
from tests.pdf_tools import EXAMPLE_NAMES, example_pdf, text_of

TITLE = "IVIG home-infusion readiness checklist: summary for the care team"
# The footer is drawn on every page as an artifact, outside the tag tree (PDF/UA).
FOOTER_WORDS = {"Summary", "as", "sent", "Reference", "HKT-4829", "Page", "of", "IVIG", "home",
                "checklist,", "checklist", "version", "1.1.0", *map(str, range(1, 10))}


def tag_tree(pdf: bytes, folder: Path) -> list[tuple[list[str], str]]:
    """Return each piece of marked text with the structure elements around it, in order."""
    path = folder / "summary.pdf"
    path.write_bytes(pdf)
    printed = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                             text=True, check=True, timeout=60).stdout
    pieces: list[tuple[list[str], str]] = []
    around: list[tuple[int, str]] = []
    for line in printed.splitlines():
        content = line.strip()
        if not content:
            continue
        indent = len(line) - len(line.lstrip())
        while around and around[-1][0] >= indent:
            around.pop()
        if content.startswith('"'):
            pieces.append(([tag for _, tag in around], content[1:-1]))
        else:
            around.append((indent, content.split()[0]))
    return pieces


def read_aloud(pieces: list[tuple[list[str], str]]) -> str:
    """Return the text in reading order, white space collapsed.

    A line broken at the end of one piece is joined to the next with a space, unless it
    was broken after a hyphen ("boxed-" then "warning").
    """
    text = ""
    for _, piece in pieces:
        text += piece if text.endswith("-") else f" {piece}"
    return re.sub(r"\s+", " ", text).strip()


def headings(pieces: list[tuple[list[str], str]], level: str) -> list[str]:
    """Return the text of each heading of a level (H1, H2), in order."""
    found: list[str] = []
    previous: object = None
    for tags, text in pieces:
        if level in tags:
            marker = tags[:tags.index(level) + 1]
            if marker == previous:
                found[-1] = f"{found[-1]} {text}"
            else:
                found.append(text)
            previous = marker
        else:
            previous = None
    return [re.sub(r"\s+", " ", heading).strip() for heading in found]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_a_screen_reader_meets_the_title_then_what_needs_attention_then_the_answers(
        name: str, tmp_path: Path) -> None:
    pieces = tag_tree(example_pdf(name), tmp_path)
    assert headings(pieces, "H1") == [TITLE]
    assert headings(pieces, "H2") == ["Needs attention", "All answers", "Care-team review"]
    spoken = read_aloud(pieces)
    flags = assess(example(name)).to_dict()["flags"]
    # Each flag's reason (the patient's own words for their note) and rule id, in severity
    # order, all before the answers.
    place = 0
    for flag in flags:
        said = flag["answer"] if flag["item"] == "notes_for_team" else flag["reason"]
        reason = re.sub(r"\s+", " ", str(said))
        found = spoken.find(reason, place)
        assert found > place or (place == 0 and found == 0), (flag["item"], reason)
        place = spoken.index(f"Rule id: {flag['item']}", found)
    assert place < spoken.index("All answers")
    if not flags:
        assert "Needs attention Nothing flagged as Emergency, Urgent, Discuss, Prepare or Note" \
            in spoken.replace("!!! Emergency: 0 !! Urgent: 0 ? Discuss: 0 + Prepare: 0 i Note: 0 ",
                              "")


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_word_on_the_pages_is_in_the_tag_tree_but_the_footers(
        name: str, tmp_path: Path) -> None:
    pdf = example_pdf(name)
    on_pages = set(re.sub(r"-\s+", "-", text_of(pdf)).split())  # lines broken at a hyphen
    tagged = set(read_aloud(tag_tree(pdf, tmp_path)).split())
    assert on_pages - tagged <= FOOTER_WORDS, sorted(on_pages - tagged)
    assert len(tagged) > 150
