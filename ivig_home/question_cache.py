"""Step questions with fixed answers, rendered once per state and then reused.

A step page spends most of its rendering time in the form macros of its questions, and a
question whose answers are fixed options (radio buttons, tick boxes, a box to tick) has few
states: which option is chosen, whether an error message is shown, whether the question is
shown, and the help-now messages it carries. Each state's HTML is kept here the first time it
is rendered (by the macro, which stays the one source of the markup) and reused after.

What is kept holds nothing a patient typed: questions that take typed text, a number or a
date are never kept, nor a question showing a value its item does not offer. A kept entry is
the same for every patient who chose that option, so it tells nothing about who chose it.
Each app has its own store (a test run makes many apps), and the store is emptied when it
reaches `MAX_ENTRIES`, which every state of the checklist fits in many times over.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from flask import Flask
from markupsafe import Markup

from .i18n import translations

MAX_ENTRIES = 4096
# The kinds of question whose posted value must be one of the item's own values.
FIXED_ANSWERS = frozenset({"radios", "checkboxes", "ack"})
ACK_VALUES = ("", "true")


def state_key(field: Any, shown: bool, when_on_page: Any, help_now: Mapping[str, Any] | None,
              agency: Any, for_someone_else: bool) -> tuple[Hashable, ...] | None:
    """Return what a question's HTML depends on, or None when it must not be kept.

    The arguments are those of the `question` macro in templates/_macros/forms.html, which
    reads nothing else: the item (its wording through the request's translations), the
    answer shown (`raw`) and the error message (our own wording, never what was typed). The
    agency's name and phone and `for_someone_else` only change the help-now messages, so
    they count only where the question shows them.
    """
    kind = field.kind
    if kind not in FIXED_ANSWERS:
        return None
    raw = field.raw
    allowed = ACK_VALUES if kind == "ack" else field.item.values
    if kind == "checkboxes":
        if not all(isinstance(value, str) and value in allowed for value in raw):
            return None
        raw = tuple(raw)
    elif not isinstance(raw, str) or (raw and raw not in allowed):
        return None
    alerts: tuple[Hashable, ...] | None = None
    if help_now and kind == "radios" and agency:
        alerts = (tuple((severity, tuple(values)) for severity, values in sorted(help_now.items())),
                  agency.name, agency.phone, bool(for_someone_else))
    return (translations(), field.item.id, kind, raw, field.message, bool(shown),
            bool(when_on_page), alerts)


class QuestionCache:
    """The HTML of questions already rendered, by `state_key`, for one app."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.entries: dict[tuple[Hashable, ...], Markup] = {}

    def render(self, macro: Callable[..., Markup], field: Any, shown: bool,
               when_on_page: Any = False, help_now: Mapping[str, Any] | None = None,
               agency: Any = None, for_someone_else: bool = False) -> Markup:
        """Return `macro(field, ...)`'s HTML, from the store when this state was seen."""
        key = state_key(field, shown, when_on_page, help_now, agency, for_someone_else)
        if key is not None:
            found = self.entries.get(key)
            if found is not None:
                return found
        html = macro(field, shown, when_on_page, help_now, agency, for_someone_else)
        if key is not None:
            if len(self.entries) >= self.max_entries:
                self.entries.clear()
            self.entries[key] = html
        return html


def init_app(app: Flask) -> QuestionCache:
    """Give the app's templates `question_html(forms.question, f, ...)`."""
    cache = QuestionCache()
    app.extensions["ivig_home.question_cache"] = cache
    app.jinja_env.globals["question_html"] = cache.render
    return cache
