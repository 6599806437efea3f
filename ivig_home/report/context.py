"""Turn an assessment and the facts around a submission into plain data for the PDF."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ivig_home import timezones
from ivig_home.checklist import WORDING, Assessment, Severity, long_date, parse_date
from ivig_home.checklist.summary import summary
from ivig_home.config import DEFAULTS
from ivig_home.report.answers import answer_table
from ivig_home.report.changes import changes_context
from ivig_home.report.language import (
    N_,
    TITLE_FOR_PATIENT,
    completed_in,
    labels,
    mark_typed_answers,
    translate_summary,
)

TITLE = "IVIG home-infusion readiness checklist: summary for the care team"
LOGO_URL = "ivig-logo:agency"
LOGO_TYPES = ("image/png", "image/svg+xml")
DEFAULT_COLOUR = "#1d4f91"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")
COMPLETED_BY = {"self": "The patient", "caregiver": "A caregiver"}
# Whose number the contact phone is: the question asks the person filling in the checklist.
PHONE_OWNER = {"self": "the patient's number", "caregiver": "the caregiver's number"}
# The patient's own words to the team: shown as "The patient wrote:", not as a note flag.
PATIENT_NOTE = "notes_for_team"
COPY = {False: N_("Summary as sent"), True: N_("Reviewed copy")}
DISPOSITIONS = (
    ("acknowledged", "Acknowledged"),
    ("contacted_patient", "Contacted patient"),
    ("escalated", "Escalated"),
    ("not_applicable", "Not applicable"),
)
MARKS = {"product_label_contraindication": "Product-label contraindication to review"}
MESSAGE_SEVERITIES = (Severity.EMERGENCY, Severity.URGENT)
# The heading the patient saw: the same at the question (as soon as the answer is chosen) and
# on the help-now page after Continue, wherever the message was first shown.
MESSAGE_HEADINGS = {Severity.EMERGENCY: "Call 911 now",
                    Severity.URGENT: "Call your care team today"}


# The arguments, all plain data:
#   agency          {"name", "phone", "colour": "#rrggbb", "logo": PNG/SVG bytes or None,
#                    "logo_type": "image/png" | "image/svg+xml" | None,
#                    "time_zone": IANA name the times are shown in, like "America/New_York"
#                    (without it, each time is shown with its own UTC offset)}
#   messages_shown  {"emergency": ISO date-time or None, "urgent": ISO date-time or None}
#   review          {"reviewer": name, "reviewed_at": ISO date-time, "note": text,
#                    "items": {item id: {"dispositions": ["acknowledged", "contacted_patient",
#                                                        "escalated", "not_applicable"],
#                                        "note": text}},
#                    "replaces": {"reviewed_at": ISO date-time, "reviewer": name,
#                                 "sha256": hex, "reason": text} or absent (a first review)}
#   original_sha256 the hex SHA-256 of the PDF first issued, printed on a re-issued one
#   product_name    the product's display name (the app's PRODUCT_NAME setting)
#   changes         what changed since the patient's checklist before this one
#                   (ivig_home.patients.since: SinceLastTime.context()), or None
#   completed_language  the language the patient completed the checklist in ('en', 'es'):
#                   other than English, page 1 says so and each typed answer is marked
#   language        the document's language: 'en' for the care team; the patient's own for
#                   their copy, whose checklist wording goes through `translate` and whose
#                   dates are written by `write_date` (rendered under that locale)
def build_context(assessment: Assessment, *, reference: str, completed_at: datetime | date,
                  agency: Mapping[str, Any], messages_shown: Mapping[str, str | None] | None = None,
                  review: Mapping[str, Any] | None = None, original_sha256: str | None = None,
                  product_name: str | None = None,
                  changes: Mapping[str, Any] | None = None, completed_language: str = "en",
                  language: str = "en", translate: Callable[[str], str] | None = None,
                  write_date: Callable[[date], str] | None = None) -> dict[str, Any]:
    """Return everything the PDF template shows, as plain data (no database objects)."""
    data = summary(assessment, write_date)
    for_patient = language != "en" and translate is not None
    if for_patient:
        translate_summary(data, translate)  # type: ignore[arg-type]
    # The patient's copy marks nothing: the patient reads their own words.
    mark_typed_answers(data, None if for_patient else completed_language)
    answers = assessment.answers
    birth = parse_date(answers.get("date_of_birth"))
    planned = parse_date(answers.get("planned_infusion_date"))
    stamp = _iso(completed_at)
    groups = _numbered(data["groups"])
    zone = agency.get("time_zone") or None

    write = write_date or long_date
    say = translate if for_patient and translate is not None else _same

    def when(moment: datetime | date) -> str:
        shown = _when(moment, zone)
        if not for_patient or write_date is None or not isinstance(moment, datetime):
            return write(moment) if for_patient and not isinstance(moment, datetime) else shown
        # The patient's copy: the day in their language, then the time as the care team's.
        local = timezones.local(moment, zone) if zone else moment
        return say("%(date)s at %(time)s") % {"date": write(local.date()),
                                               "time": shown.rsplit(" at ", 1)[1]}

    messages = _messages(messages_shown, when)
    numbers = {flag["item"]: flag["number"] for group in groups for flag in group["flags"]}
    return {
        "title": say(TITLE_FOR_PATIENT) if for_patient else TITLE,
        "labels": labels(say if for_patient else None),
        "lang": language,
        "completed_in": None if for_patient else completed_in(completed_language),
        "reference": reference,
        "product_name": str(product_name or DEFAULTS["PRODUCT_NAME"]),
        "agency": _agency(agency),
        "patient": {
            "name": str(answers.get("patient_name", "")),
            "date_of_birth": write(birth) if birth else say("Not given"),
            "age": assessment.age,
            "not_given": say("Not given"),
        },
        "completed_by": say(COMPLETED_BY.get(str(answers.get("completed_by")), "Not given")),
        "contact": {"phone": str(answers.get("contact_phone") or ""),
                    "whose": say(PHONE_OWNER.get(str(answers.get("completed_by")), ""))
                    if answers.get("completed_by") in PHONE_OWNER else ""},
        "planned_infusion": write(planned) if planned else say("Not given"),
        "completed": {"display": when(completed_at), "iso": stamp},
        "checklist": data["checklist"],
        "not_a_decision": (say(data["not_a_decision_patient"]) if for_patient
                           else data["not_a_decision"]),
        "counts": [{"label": g["label"], "symbol": g["symbol"], "count": len(g["flags"])}
                   for g in groups],
        "groups": groups,
        "attention": _for_patient(_attention(groups, messages), say) if for_patient
        else _attention(groups, messages),
        "for_patient": for_patient,
        "empty_groups": [g["label"] for g in groups if not g["flags"]],
        "patient_note": next((flag for group in groups for flag in group["flags"]
                              if flag["item"] == PATIENT_NOTE), None),
        "messages": messages,
        "sections": data["sections"],
        "answer_table": _said(answer_table(data["sections"], numbers), say),
        "changes": changes_context(changes, when),
        "dispositions": [{"id": key, "label": label} for key, label in DISPOSITIONS],
        "review": _review(review, groups, when),
        "copy": say(COPY[bool(review)]),
        "original_sha256": original_sha256,
        "metadata": {"created": stamp, "modified": _review_stamp(review) or stamp},
    }


def _same(text: str) -> str:
    return text


def _for_patient(attention: list[dict[str, Any]],
                 say: Callable[[str], str]) -> list[dict[str, Any]]:
    """Return Needs attention for the patient's copy: each group under the heading the
    patient's pages use, each card with the patient's wording of what is listed (why it is
    flagged, its sources and the review boxes are the care team's and stay on their copy)."""
    return [{**group, "heading": say(group["patient_heading"]),
             "cards": [{**card, "said": say(card["patient"])} for card in group["cards"]]}
            for group in attention]


def _said(table: list[dict[str, Any]], say: Callable[[str], str]) -> list[dict[str, Any]]:
    """Return the answers table with its own words (a flagged item's label, "Shown in full
    above", why items were not asked and their labels) in the copy's language."""
    if say is _same:
        return table
    for section in table:
        for row in section["rows"]:
            if row["flag"]:
                row["question"] = say(row["question"])
                row["answer"] = say(row["answer"]) if row["answer"] == "Shown in full above" \
                    else row["answer"]
        section["not_asked"] = [{"reason": say(skipped["reason"]),
                                 "labels": [say(label) for label in skipped["labels"]]}
                                for skipped in section["not_asked"]]
    return table


def download_filename(reference: str, completed: datetime | date) -> str:
    """Return the PDF's file name: reference and date only, never the patient's name."""
    day = completed.date() if isinstance(completed, datetime) else completed
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", reference).strip("-") or "summary"
    return f"ivig-summary-{safe}-{day.isoformat()}.pdf"


def _numbered(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number the flags across groups so the review block can refer to them."""
    number = 0
    result = []
    for group in groups:
        flags = []
        for flag in group["flags"]:
            number += 1
            flags.append({**flag, "number": number, "mark_label": MARKS.get(flag["mark"] or "")})
        result.append({**group, "flags": flags})
    return result


def _attention(groups: list[dict[str, Any]],
               messages: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Return the groups Needs attention prints: each with its cards and the message the
    patient was shown for its severity, if one was; a group with neither is left out."""
    shown = {message["severity"]: message for message in messages}
    printed = []
    for group in groups:
        cards = [flag for flag in group["flags"] if flag["item"] != PATIENT_NOTE]
        message = shown.get(group["severity"])
        if cards or message:
            printed.append({**group, "cards": cards, "message": message})
    return printed


def _agency(agency: Mapping[str, Any]) -> dict[str, Any]:
    colour = str(agency.get("colour") or "")
    logo = agency.get("logo")
    logo_type = agency.get("logo_type")
    has_logo = isinstance(logo, bytes) and bool(logo) and logo_type in LOGO_TYPES
    return {
        "name": str(agency.get("name") or "Care team"),
        "phone": str(agency.get("phone") or ""),
        # The colour goes into a style attribute: only a plain hex colour may pass.
        "colour": colour if COLOUR.fullmatch(colour) else DEFAULT_COLOUR,
        "logo": logo if has_logo else None,
        "logo_type": logo_type if has_logo else None,
        "logo_url": LOGO_URL if has_logo else None,
    }


def _messages(shown: Mapping[str, str | None] | None,
              when: Callable[[datetime], str]) -> list[dict[str, str]]:
    messages = []
    for severity in MESSAGE_SEVERITIES:
        moment = _parse_moment((shown or {}).get(severity.value))
        if moment is not None:
            wording = WORDING[severity]
            messages.append({"severity": severity.value, "label": wording.label,
                             "symbol": wording.symbol, "heading": MESSAGE_HEADINGS[severity],
                             "shown_at": when(moment)})
    return messages


def _review(review: Mapping[str, Any] | None, groups: list[dict[str, Any]],
            when: Callable[[datetime], str]) -> dict[str, Any] | None:
    if not review:
        return None
    reviewed_at = _parse_moment(review.get("reviewed_at"))
    known = {key for key, _ in DISPOSITIONS}
    items = {}
    for group in groups:
        for flag in group["flags"]:
            raw = (review.get("items") or {}).get(flag["item"]) or {}
            chosen = [d for d in raw.get("dispositions", []) if d in known]
            items[flag["item"]] = {"dispositions": chosen, "note": str(raw.get("note") or "")}
    return {
        "reviewer": str(review.get("reviewer") or ""),
        "reviewed_at": when(reviewed_at) if reviewed_at else "",
        "note": str(review.get("note") or ""),
        "items": items,
        "replaces": _replaced(review.get("replaces"), when),
    }


def _replaced(earlier: Mapping[str, Any] | None,
              when: Callable[[datetime], str]) -> dict[str, str] | None:
    """Return the earlier review a re-issued one replaces, as the PDF prints it."""
    if not earlier:
        return None
    filed_at = _parse_moment(earlier.get("reviewed_at"))
    return {"reviewed_at": when(filed_at) if filed_at else "",
            "reviewer": str(earlier.get("reviewer") or ""),
            "sha256": str(earlier.get("sha256") or ""),
            "reason": str(earlier.get("reason") or "")}


def _review_stamp(review: Mapping[str, Any] | None) -> str | None:
    moment = _parse_moment((review or {}).get("reviewed_at"))
    return _iso(moment) if moment else None


def _parse_moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _iso(moment: datetime | date) -> str:
    """Return a W3C date-time for the PDF metadata (a date alone stays a date)."""
    if isinstance(moment, datetime):
        # The PDF date needs a zone; a moment given without one is taken as UTC.
        aware = moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)
        return aware.replace(microsecond=0).isoformat()
    return moment.isoformat()


def _when(moment: datetime | date, zone: str | None = None) -> str:
    """Return '21 November 2026 at 04:14 EST' (or the date alone when there is no time).

    With a zone the moment is shown in it with its abbreviation (a naive moment is UTC);
    without one, in its own offset: '09:14 UTC', '10:30 UTC-05:00'.
    """
    if not isinstance(moment, datetime):
        return long_date(moment)
    if zone:
        local = timezones.local(moment, zone)
        return f"{long_date(local)} at {local:%H:%M} {timezones.abbreviation(local)}"
    offset = moment.utcoffset()
    if offset is None:
        zone = ""
    elif not offset:
        zone = " UTC"
    else:
        zone = " UTC" + moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]
    return f"{long_date(moment)} at {moment:%H:%M}{zone}"

