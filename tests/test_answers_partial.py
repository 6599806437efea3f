"""The answers partial, as the check-your-answers page and the PDF include it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ivig_home.checklist import assess
from ivig_home.checklist.summary import summary
from ivig_home.config import PROJECT_ROOT
from tests.answers import example

TEMPLATES = Environment(loader=FileSystemLoader(PROJECT_ROOT / "templates"), autoescape=True,
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                        extensions=["jinja2.ext.i18n"])
TEMPLATES.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def partial(**context: Any) -> ElementTree.Element:
    """Return the partial rendered for the emergency example, parsed as one XML tree."""
    sections = summary(assess(example("emergency")))["sections"]
    html = TEMPLATES.get_template("partials/answers.html").render(sections=sections, **context)
    return ElementTree.fromstring(f"<root>{html}</root>")  # noqa: S314 (our own template)


def classes(element: ElementTree.Element) -> set[str]:
    """Return the element's classes."""
    return set(element.get("class", "").split())


@pytest.mark.parametrize("change_url", [None, lambda section: f"/check/{section}"])
def test_every_answer_is_one_list_item_under_its_section_heading(
        change_url: Callable[[str], str] | None) -> None:
    tree = partial(**({"change_url": change_url} if change_url else {}))
    sections = summary(assess(example("emergency")))["sections"]
    lists = tree.findall(".//ul")
    assert len(lists) == len(sections)
    for section, answers in zip(sections, lists, strict=True):
        assert {"answers", "answers-section"} <= classes(answers)
        heading = tree.find(f".//h3[@id='answers-{section['id']}']")
        assert heading is not None and heading.text == section["title"]
        assert answers.get("aria-labelledby") == f"answers-{section['id']}"
        items = answers.findall("li")
        assert len(items) == len(section["items"])
        for row, item in zip(section["items"], items, strict=True):
            answer = item.find("span")
            assert answer is not None
            assert {"answers__row", f"answers__row--{row['status']}"} <= classes(item)
            assert {"answers__answer", f"answers__answer--{row['status']}"} <= classes(answer)
            assert ("unsure-mark" in classes(answer)) == row["unsure"]
            assert (item.text or "").strip() == row["question"] and answer.text == row["answer"]


def test_the_page_gets_a_change_link_per_section_and_the_pdf_none() -> None:
    linked = partial(change_url=lambda section: f"/check/{section}")
    links = linked.findall(".//div[@class='answers-section__head']/a[@class='change-link']")
    sections = summary(assess(example("emergency")))["sections"]
    assert [link.get("href") for link in links] == [f"/check/{s['id']}" for s in sections]
    # Each link's accessible name says which section it changes, in the section's own words.
    names = ["".join(link.itertext()) for link in links]
    assert names[0] == "Change answers: About you"
    assert names == [f"Change answers: {s['title']}" for s in sections]
    assert "Change answers: Your IVIG treatment" in names
    assert partial().findall(".//a") == [] and partial().findall(".//div") == []
