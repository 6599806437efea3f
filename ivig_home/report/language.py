"""The language a checklist was completed in, as the care team reads it, and the patient's
copy of the summary in the patient's own language.

The care team's PDF and page are in English whatever the patient's language: coded answers
are the checklist's own English labels; the patient's typed words are shown as written and
marked, so a nurse knows they may need an interpreter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ivig_home.checklist import load
from ivig_home.i18n import language_name

ENGLISH = "en"
# Each language's name in English, as the care team reads it.
# Typed answers that are not words (a name, a phone number): never marked.
NOT_WORDS = frozenset({"patient_name", "contact_phone"})


def N_(text: str) -> str:  # noqa: N802 (Babel's keyword for text translated later)
    """Return the text as it is; marks it for the catalogue (translated where it is used)."""
    return text


# The PDF's own words that the patient's copy gives in the patient's language (the care
# team's copy keeps them in English): plain data in the context, translated when the
# context is built, since the PDF is drawn in a thread of its own.
LABELS = {
    "patient": N_("Patient"), "phone": N_("Phone:"), "planned": N_("Planned infusion:"),
    "completed_by": N_("Completed by:"), "date_of_birth": N_("Date of birth:"),
    "age": N_("age"), "completed": N_("Completed:"), "reference": N_("Reference:"),
    "checklist": N_("Checklist:"), "version": N_("version"),
    "needs_attention": N_("Needs attention"), "answer": N_("Answer:"),
    "patient_note": N_("Your note to the care team"), "patient_wrote": N_("You wrote:"),
    "all_answers": N_("All answers"), "item_above": N_("(item %(number)s above)"),
    "not_asked": N_("Not asked, because %(reason)s:"),
    # The agency's phone beside its name, and the footer of every page.
    "agency_phone": N_("phone"), "footer_reference": N_("Reference"), "page": N_("Page"),
    "page_of": N_("of"), "checklist_version": N_("checklist version"),
}
# The care team's copy: the same places, in the care team's words.
STAFF_LABELS = {**LABELS, "patient_note": "The patient\u2019s note to the care team",
                "patient_wrote": "The patient wrote:"}
# Other words of the context that the patient's copy translates.
TITLE_FOR_PATIENT = N_("IVIG home-infusion readiness checklist: your summary")
WORDS = (N_("Not given"), N_("The patient"), N_("A caregiver"), N_("the patient's number"),
         N_("the caregiver's number"), N_("Shown in full above"), N_("%(date)s at %(time)s"))


def labels(translate: Callable[[str], str] | None) -> dict[str, str]:
    """Return the PDF's labels: the care team's, or the patient's translated."""
    if translate is None:
        return dict(STAFF_LABELS)
    return {key: translate(text) for key, text in LABELS.items()}


def name(language: str | None) -> str:
    """Return a language's name in English ('Spanish', from Babel's locale data); the code
    for one Babel does not know."""
    return language_name(language or ENGLISH, "en")


def completed_in(language: str | None) -> str | None:
    """Return 'Completed in Spanish' for a checklist not completed in English, else None."""
    if not language or language == ENGLISH:
        return None
    return f"Completed in {name(language)}"


def written_in(language: str | None) -> str | None:
    """Return the mark of a typed answer in another language, or None for English."""
    if not language or language == ENGLISH:
        return None
    return f"written in {name(language)}: may need interpretation"


def typed_words(item_id: str) -> bool:
    """Return whether an item's answer is the patient's own words (free text)."""
    item = load().items.get(item_id)
    return item is not None and item.type == "text" and item_id not in NOT_WORDS


def mark_typed_answers(data: dict[str, Any], language: str | None) -> None:
    """Mark each typed answer of a summary (its sections' rows and its flags) with
    `written_in` when the checklist was completed in another language than English."""
    mark = written_in(language)
    for section in data.get("sections", []):
        for row in section["items"]:
            answered = row["status"] == "answered"
            row["written_in"] = mark if mark and answered and typed_words(row["id"]) else None
    for group in data.get("groups", []):
        for flag in group["flags"]:
            flag["written_in"] = mark if mark and typed_words(flag["item"]) else None


def translate_summary(data: dict[str, Any], translate: Callable[[str], str]) -> None:
    """Put a summary's checklist wording (section titles, questions, labels of coded answers,
    flag headings) through `translate`, for the patient's copy in their own language. Typed
    answers stay as written."""
    items = load().items
    for section in data.get("sections", []):
        section["title"] = translate(section["title"])
        for row in section["items"]:
            row["question"] = translate(row["question"])
            if row["status"] != "not_asked" and not typed_words(row["id"]):
                row["answer"] = translate_answer(row["answer"], translate)
    for group in data.get("groups", []):
        for flag in group["flags"]:
            item = items.get(flag["item"])
            flag["question"] = translate(flag["question"])
            flag["patient"] = translate(item.patient) if item is not None and item.patient else ""
            if not typed_words(flag["item"]):
                flag["answer"] = translate_answer(flag["answer"], translate)


def translate_answer(answer: str, translate: Callable[[str], str]) -> str:
    """Return a coded answer in the page's language: a label, or several joined by ', '."""
    whole = translate(answer)
    if whole != answer or ", " not in answer:
        return whole
    return ", ".join(translate(part) for part in answer.split(", "))
