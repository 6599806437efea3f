"""Fill in the checklist with the keyboard alone: Tab, arrows, Space, typing and Enter."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.patient.journey import where

ACTIVE = """() => {
  const el = document.activeElement;
  return {tag: el.tagName, type: el.type || "", name: el.name || "", value: el.value || "",
          checked: !!el.checked, text: (el.innerText || "").trim()};
}"""
FORWARD = ("continue", "submit")


def typed_value(answers: dict[str, Any], name: str) -> str | None:
    """Return what to type into a text box named `name` (a date part names its item)."""
    item_id, _, part = name.rpartition("-") if name.endswith(("-day", "-month", "-year")) \
        else (name, "", "")
    if item_id not in answers:
        return None
    if part:
        day = date.fromisoformat(answers[item_id])
        return str({"day": day.day, "month": day.month, "year": day.year}[part])
    return str(answers[item_id])


def answer_focused(page: Any, active: dict[str, Any], answers: dict[str, Any]) -> None:
    """Answer the focused control from the keyboard, if it is a question."""
    name, kind = active["name"], active["type"]
    if kind == "radio" and name in answers:
        want = str(answers[name])
        if active["value"] == want:
            page.keyboard.press("Space")
        for _ in range(6):
            if page.evaluate(ACTIVE)["value"] == want:
                break
            page.keyboard.press("ArrowDown")
    elif kind == "checkbox":
        wanted = answers.get(name)
        tick = wanted is True or (isinstance(wanted, list) and active["value"] in wanted)
        if tick != active["checked"]:
            page.keyboard.press("Space")
    elif active["tag"] in ("INPUT", "TEXTAREA") and kind not in ("hidden", "submit"):
        text = typed_value(answers, name)
        if text is not None:
            page.keyboard.press("Control+A")
            page.keyboard.type(text)


def keyboard_page(page: Any, answers: dict[str, Any], button_texts: tuple[str, ...]) -> None:
    """Tab through the page answering each control, then press Enter on the forward button."""
    seen: set[tuple[str, str]] = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active["tag"] == "BUTTON" and (active["value"] in FORWARD
                                          or active["text"] in button_texts):
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
        key = (active["name"], active["value"] if active["type"] == "checkbox" else "")
        if key in seen and active["type"] != "radio":
            continue
        seen.add(key)
        answer_focused(page, active, answers)
    raise AssertionError(f"no forward button reached by Tab on {page.url}")


def complete_by_keyboard(page: Any, slug: str, answers: dict[str, Any]) -> str:
    """Start and complete the checklist without the mouse; return the draft id."""
    page.goto(f"/a/{slug}/")
    keyboard_page(page, answers, ("Start now",))
    for _ in range(80):
        draft_id, name = where(page)
        if name == "sent":
            return draft_id
        keyboard_page(page, answers, ("Continue the checklist",))
    raise AssertionError("the checklist did not end")
