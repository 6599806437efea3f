"""One WTForms field class per answer type; each turns what was posted into a JSON answer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value

from ivig_home import locales
from ivig_home.checklist import Item
from ivig_home.checklist.definition import COUNT_MAX
from ivig_home.checklist.engine import EARLIEST_DATE, parse_date
from ivig_home.i18n import gettext as _
from ivig_home.patient.wording import PATIENT, Voice

DATE_PARTS = ("day", "month", "year")
# The example in a date hint, written day first in the definition ("27 3 1958").
BOX_EXAMPLE = re.compile(r"(?P<day>\d{1,2}) (?P<month>\d{1,2}) (?P<year>\d{4})")


class AnswerField(Field):
    """A field named by its item id; `.data` is the answer, or None when left blank."""

    kind = "text"

    def __init__(self, item: Item, **kwargs: Any) -> None:
        super().__init__(label=item.question, **kwargs)
        self.item = item
        self.raw: Any = ""
        self.message: str | None = None
        self.voice: Voice = PATIENT  # a caregiver's page names the patient (step_form)

    @property
    def question(self) -> str:
        """Return the question, translated, in the page's voice."""
        return self.voice.say(self.item.question, self.item.caregiver_question)

    @property
    def hint(self) -> str:
        """Return the hint, translated, in the page's voice ('' when there is none)."""
        return self.voice.say(self.item.hint, self.item.caregiver_hint)

    @property
    def label_words(self) -> str:
        """Return the item's short label in lower case, for messages."""
        return _(self.item.label).lower()

    @property
    def anchor(self) -> str:
        """Return the id of the element an error summary link moves to."""
        return self.item.id

    @property
    def described_by(self) -> str:
        """Return the ids of the hint and the error message shown, for aria-describedby
        ('' when neither is shown)."""
        ids = [f"{self.item.id}-hint"] if self.item.hint else []
        if self.message:
            ids.append(f"{self.item.id}-error")
        return " ".join(ids)

    def process_data(self, value: Any) -> None:
        """Show a stored answer."""
        self.data = value
        self.raw = "" if value is None else str(value)

    def process_formdata(self, valuelist: list[str]) -> None:
        """Keep what was typed, trimmed; blank means no answer."""
        self.raw = valuelist[0].replace("\r\n", "\n") if valuelist else ""
        self.data = self.raw.strip() or None

    def problem_message(self) -> str:
        """Return what to do when the checklist refuses this answer (or it is missing)."""
        if self.data is not None and len(str(self.data)) > self.item.max_length:
            return _("%(label)s must be %(count)s characters or fewer",
                     label=_(self.item.label), count=f"{self.item.max_length:,}")
        return _("Enter the %(label)s", label=self.label_words)


PHONE = re.compile(r"^\+?[0-9 ().-]+?(?:\s*,?\s*(?:x|ext\.?|extension)\s*[0-9]{1,6})?$",
                   re.IGNORECASE)
PHONE_DIGITS = (7, 15)  # a local number with its area code, up to an international one


class PhoneAnswerField(AnswerField):
    """A phone number: digits, spaces, + - ( ) . and an extension ('x123', 'ext. 123')."""

    kind = "text"

    def process_formdata(self, valuelist: list[str]) -> None:
        """Keep what was typed; words that are not a phone number are refused, saying so."""
        super().process_formdata(valuelist)
        if self.data is None:
            return
        number = re.split(r"(?i)x|ext|extension", self.data)[0]
        digits = sum(character.isdigit() for character in number)
        if (not PHONE.match(self.data) or not self.data.isascii()
                or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]):
            self.data = None
            raise ValueError(self.problem_message())

    def problem_message(self) -> str:
        """Return what to do: a phone number, or nothing (the box is optional)."""
        return _("Enter the %(label)s as a phone number, like 555 123 4567 or "
                 "555 123 4567 ext. 12, or leave it empty", label=self.label_words)


class ChoiceAnswerField(AnswerField):
    """One answer out of the item's options, shown as radio buttons."""

    kind = "radios"

    @property
    def options(self) -> list[tuple[str, str]]:
        """Return each option's value and translated label, in the page's voice."""
        return [(option.value, self.voice.say(option.label, option.caregiver_label))
                for option in self.item.options]

    def process_formdata(self, valuelist: list[str]) -> None:
        """Take the ticked value; a value the item does not offer is refused."""
        self.raw = valuelist[0] if valuelist else ""
        self.data = self.raw if self.raw in self.item.values else None

    def problem_message(self) -> str:
        """Return what to do: pick one of the answers offered."""
        messages = {
            "yesno": _("Select yes, no or not sure"),
            "ability": _("Select who can do this, or not sure"),
            "purpose": (_("Select why %(name)s is having IVIG, or not sure",
                          name=self.voice.patient) if self.voice.caregiver
                        else _("Select why you are having IVIG, or not sure")),
        }
        return messages.get(self.item.type) or _("Select one answer")


class MultiAnswerField(ChoiceAnswerField):
    """Any number of the item's options, shown as checkboxes; none ticked is []."""

    kind = "checkboxes"

    def process_data(self, value: Any) -> None:
        """Show the stored ticks."""
        self.data = value
        self.raw = list(value or [])

    def process_formdata(self, valuelist: list[str]) -> None:
        """Take the ticked values once each; a value the item does not offer is refused."""
        self.raw = list(valuelist)
        self.data = list(dict.fromkeys(valuelist))

    def problem_message(self) -> str:
        """Return what to do: tick only the answers offered."""
        return _("Select the answers that apply, or none")


class CountAnswerField(AnswerField):
    """A whole number typed into a box that brings up the number keypad."""

    kind = "count"

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read a whole number; anything else keeps the text and is refused."""
        self.raw = valuelist[0] if valuelist else ""
        text = self.raw.strip().replace(",", "")
        self.data = None
        if text and (not text.isdigit() or not text.isascii() or len(text) > 6):
            raise ValueError(self.problem_message())
        self.data = int(text) if text else None

    def problem_message(self) -> str:
        """Return what to do: a whole number in range."""
        return _("Enter a whole number from 0 to %(max)s", max=COUNT_MAX)


class DateAnswerField(AnswerField):
    """A date as three number boxes, never a date picker.

    The boxes come in the order the agency's patients write dates (ivig_home.locales):
    month, day, year in the US; day, month, year elsewhere. Their names never change.
    """

    kind = "date"

    @property
    def parts(self) -> tuple[str, str, str]:
        """Return the boxes in the order they are shown: ('month', 'day', 'year') in the US."""
        return locales.date_parts()

    @property
    def boxes(self) -> list[tuple[str, str, int]]:
        """Return each box in order: its part, its translated label and its width."""
        labels = {"day": (_("Day"), 2), "month": (_("Month"), 2), "year": (_("Year"), 4)}
        return [(part, *labels[part]) for part in self.parts]

    @property
    def hint(self) -> str:
        """Return the hint, its example written in the order of the boxes ('3 27 1958' in
        the US for the definition's '27 3 1958')."""
        text = super().hint
        if self.item.rough and text:
            leave_day = _("You can leave the day empty.")
            text = f"{text} {leave_day}"
        return BOX_EXAMPLE.sub(lambda found: locales.example(date(
            int(found["year"]), int(found["month"]), int(found["day"]))), text)

    @property
    def anchor(self) -> str:
        """Return the id of the first box to fix."""
        empty = [part for part in self.parts if not self.raw.get(part)
                 and not (part == "day" and self._day_optional)]
        return f"{self.item.id}-{empty[0] if self.data is None and empty else self.parts[0]}"

    @property
    def autocomplete(self) -> str:
        """Return the autocomplete prefix (e.g. 'bday' for a date of birth) or ''."""
        return self.item.autocomplete

    @property
    def _day_optional(self) -> bool:
        return self.item.rough

    def process_data(self, value: Any) -> None:
        """Split a stored ISO date into the three boxes."""
        self.data = value
        day = parse_date(value)
        self.raw = ({"day": str(day.day), "month": str(day.month), "year": str(day.year)}
                    if day else dict.fromkeys(DATE_PARTS, ""))

    def process(self, formdata: Any, data: Any = unset_value,
                extra_filters: Any = None) -> None:
        """Read the three boxes named <id>-day, <id>-month and <id>-year."""
        self.process_errors = []
        self.process_data(None if data is unset_value else data)
        if formdata is None:
            return
        self.raw = {part: str(formdata.get(f"{self.name}-{part}", "")).strip()
                    for part in DATE_PARTS}
        self.data = None
        try:
            self.data = self._parse(self.raw)
        except ValueError as error:
            self.process_errors.append(error.args[0])

    def _parse(self, parts: Mapping[str, str]) -> str | None:
        if not any(parts.values()):
            return None
        parts = dict(parts)
        if self._day_optional and not parts["day"] and parts["month"] and parts["year"]:
            # "A rough date is fine": a month and year alone stand for the 1st of the month.
            # The 1st, not the 15th: it is never after today (this month's 15th may be), and
            # it can only make the time since the last infusion look longer, so the care team
            # is asked to look at a long gap rather than miss one.
            parts["day"] = "1"
        missing = [part for part in self.parts if not parts[part]]
        if missing:
            names = {"day": _("a day"), "month": _("a month"), "year": _("a year")}
            raise ValueError(_("The %(label)s must include %(part)s",
                               label=self.label_words, part=names[missing[0]]))
        if not all(parts[part].isascii() and parts[part].isdigit() for part in DATE_PARTS):
            raise ValueError(self._not_real())
        if len(parts["year"]) != 4:
            raise ValueError(_("The year must have 4 numbers, for example 1958"))
        try:
            day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            if 13 <= int(parts["month"]) <= 31 and 1 <= int(parts["day"]) <= 12:
                raise ValueError(self._swapped()) from None
            raise ValueError(self._not_real()) from None
        return day.isoformat()

    def check_today(self, today: date) -> None:
        """Refuse a date in the past for an item that asks about the future (a planned date):
        it is a slip, and the checklist would otherwise take it."""
        day = parse_date(self.data)
        if self.item.future_allowed and day is not None and day < today:
            self.data = None
            self.process_errors.append(_("The %(label)s must be today or later",
                                         label=self.label_words))

    def _order_words(self) -> str:
        if self.parts[0] == "month":
            return _("month, day and year")
        return _("day, month and year")

    def leave_message(self) -> str:
        """Return what to do to save and leave: the date of birth is needed to come back."""
        return _("Enter the %(label)s as %(order)s. You need it to come back later.",
                 label=self.label_words, order=self._order_words())

    def _not_real(self) -> str:
        return _("The %(label)s must be a real date", label=self.label_words)

    def _swapped(self) -> str:
        """Say the order of the boxes: a month of 13 to 31 with a day of 1 to 12 looks swapped
        (written day first in month-first boxes, or month first in day-first boxes)."""
        if self.parts[0] == "month":
            return _("Put the month first, then the day: the month of the %(label)s must be "
                     "1 to 12", label=self.label_words)
        return _("Put the day first, then the month: the month of the %(label)s must be "
                 "1 to 12", label=self.label_words)

    def problem_message(self) -> str:
        """Return what to do, naming the rule of the checklist the date broke."""
        day = parse_date(self.data)
        if day is None:
            if self._day_optional:
                return _("Enter the %(label)s as %(order)s, or the month and year",
                         label=self.label_words, order=self._order_words())
            return _("Enter the %(label)s as %(order)s", label=self.label_words,
                     order=self._order_words())
        if day < EARLIEST_DATE:
            return _("The %(label)s must be in 1900 or later", label=self.label_words)
        return _("The %(label)s must be today or in the past", label=self.label_words)


class AckAnswerField(AnswerField):
    """A box to tick to confirm a statement; its only answer is true."""

    kind = "ack"

    def process_data(self, value: Any) -> None:
        """Show a stored tick."""
        self.data = True if value is True else None
        self.raw = "true" if self.data else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        """A ticked box posts 'true'."""
        self.raw = valuelist[0] if valuelist else ""
        self.data = True if self.raw == "true" else None

    def problem_message(self) -> str:
        """Return what to do: tick the box."""
        return _("Tick the box to confirm this")


FIELD_TYPES: dict[str, type[AnswerField]] = {
    "yesno": ChoiceAnswerField,
    "ability": ChoiceAnswerField,
    "purpose": ChoiceAnswerField,
    "choice": ChoiceAnswerField,
    "multi": MultiAnswerField,
    "count": CountAnswerField,
    "date": DateAnswerField,
    "text": AnswerField,
    "ack": AckAnswerField,
}
