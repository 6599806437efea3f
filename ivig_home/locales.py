"""How an agency's patients write dates: the order of the date boxes and the long form.

An agency's `locale` ('en-US' by default) decides it. In the US a date is written month
first ('3 14 1955', 'March 14, 1955'); in the UK and most of the world, day first. The
form field names (<id>-day, <id>-month, <id>-year) and the ISO answers never change.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask import g, has_app_context
from flask_babel import get_locale

DEFAULT_LOCALE = "en-US"
# The locales an agency may be set to, and whether each writes the month first.
MONTH_FIRST = {"en-US": True, "en-GB": False, "en-CA": False, "en-AU": False,
               "en-IE": False, "en-NZ": False, "es-US": True, "es-ES": False}
LOCALES = tuple(MONTH_FIRST)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


class LocaleRefused(ValueError):
    """Not a locale an agency can be set to."""


def check_locale(value: str) -> str:
    """Return the locale in its usual spelling ('en-US'), or raise LocaleRefused."""
    wanted = value.strip().replace("_", "-").lower()
    for locale in LOCALES:
        if locale.lower() == wanted:
            return locale
    raise LocaleRefused(f"Unknown locale {value!r}: use one of {', '.join(LOCALES)}.")


def month_first(locale: str | None) -> bool:
    """Return whether dates are written month first in this locale (unknown: the default)."""
    return MONTH_FIRST.get(locale or DEFAULT_LOCALE, MONTH_FIRST[DEFAULT_LOCALE])


def current_locale() -> str:
    """Return the locale of the agency whose page is being shown (the default without one)."""
    agency = g.get("agency") if has_app_context() else None
    return str(getattr(agency, "locale", None) or DEFAULT_LOCALE)


def date_parts(locale: str | None = None) -> tuple[str, str, str]:
    """Return the order of the date boxes: ('month', 'day', 'year') or ('day', 'month', 'year')."""
    if month_first(locale or current_locale()):
        return ("month", "day", "year")
    return ("day", "month", "year")


def example(day: date, locale: str | None = None) -> str:
    """Return a date as typed into the boxes, in their order: '3 14 1955' or '14 3 1955'."""
    values = {"day": day.day, "month": day.month, "year": day.year}
    return " ".join(str(values[part]) for part in date_parts(locale))


def page_language() -> str:
    """Return the language of the page being written ('en' outside a request)."""
    locale = get_locale() if has_app_context() else None
    return str(locale.language) if locale is not None else "en"


def written_date(day: date, locale: str | None = None) -> str:
    """Return a date as a patient reads it: 'March 14, 1955' month first, else '14 March 1955';
    in another language, that language's long form ('14 de marzo de 1955' in Spanish).

    The month is in words, so the date is never ambiguous."""
    language = page_language()
    if language != "en":
        return str(format_date(day, format="long", locale=language))
    month = MONTHS[day.month - 1]
    if month_first(locale or current_locale()):
        return f"{month} {day.day}, {day.year}"
    return f"{day.day} {month} {day.year}"
