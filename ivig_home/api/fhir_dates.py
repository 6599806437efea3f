"""FHIR dates and date-times as ranges of moments, and the date search of FHIR R4.

A FHIR date stands for the whole period it names: "2026-12" is all of December, "2026-12-01"
the whole day, "2026-12-01T10:30Z" that minute. A value without a time is read in the
agency's time zone (its day starts at its own midnight); a value with a time must say its
zone ("Z" or an offset), as FHIR requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, not_

from ivig_home.timezones import zone as time_zone

FHIR_DATE_TIME = re.compile(
    r"(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<fraction>\.\d{1,9})?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?\Z")
# The search prefixes of FHIR R4 for a value that is a moment (a stored response's authored):
# ap (approximately) has no agreed meaning and is refused.
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
EXAMPLE = "'ge2026-12-01', 'lt2026-12-08' or 'ge2026-12-01T09:00:00Z'"


class DateRefused(ValueError):
    """A FHIR date or date-time that cannot be read; the message says what was expected."""


@dataclass(frozen=True)
class Period:
    """The moments a FHIR date stands for: from `start` up to, not including, `end`."""

    start: datetime
    end: datetime
    has_time: bool


def period(text: str, zone_name: str | None) -> Period:
    """Return the period a FHIR date or date-time names; raise DateRefused if it is not one."""
    found = FHIR_DATE_TIME.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise DateRefused("expected a FHIR date or date-time, like '2026-12-01' or "
                          "'2026-12-01T09:30:00-05:00'")
    parts = found.groupdict()
    if parts["hour"] is not None and parts["zone"] is None:
        raise DateRefused("a date-time with a time needs its zone: 'Z' or an offset like "
                          "'-05:00'")
    try:
        return _period(parts, zone_name)
    except (ValueError, OverflowError):
        raise DateRefused("expected a real date (a month from 01 to 12, a day that month "
                          "has, a time up to 23:59:59)") from None


def _period(parts: dict[str, Any], zone_name: str | None) -> Period:
    year, month, day = int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1)
    if parts["hour"] is not None:
        stamp = f"{year:04d}-{month:02d}-{day:02d}T{parts['hour']}:{parts['minute']}"
        seconds = parts["second"] is not None
        stamp += f":{parts['second']}{parts['fraction'] or ''}" if seconds else ""
        start = datetime.fromisoformat(stamp + parts["zone"].replace("Z", "+00:00"))
        step = (timedelta(microseconds=1) if parts["fraction"] else
                timedelta(seconds=1) if seconds else timedelta(minutes=1))
        return Period(start, start + step, True)
    first = datetime(year, month, day).date()
    if parts["month"] is None:
        last = first.replace(year=year + 1)
    elif parts["day"] is None:
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        last = first + timedelta(days=1)
    local = time_zone(zone_name)
    return Period(datetime.combine(first, time(), local), datetime.combine(last, time(), local),
                  False)


def search_condition(value: str, zone_name: str | None) -> tuple[str, Period]:
    """Return the prefix and period of one value of a date search parameter."""
    prefix = value[:2] if value[:2].isalpha() else "eq"
    rest = value[2:] if value[:2].isalpha() else value
    if prefix not in PREFIXES and not rest[:1].isdigit():
        raise DateRefused(f"expected a FHIR date or date-time after an optional prefix, as "
                          f"in {EXAMPLE}")
    if prefix not in PREFIXES:
        raise DateRefused(f"the prefix '{prefix}' is not one this server takes; expected one "
                          f"of {', '.join(PREFIXES)}, as in {EXAMPLE}")
    try:
        return prefix, period(rest, zone_name)
    except DateRefused as refused:
        raise DateRefused(f"{refused}, after an optional prefix, as in {EXAMPLE}") from None


def sql_condition(prefix: str, found: Period, column: Any) -> Any:
    """Return the SQL condition a stored moment (a column) meets for one search value."""
    inside = and_(column >= found.start, column < found.end)
    return {"eq": inside, "ne": not_(inside), "gt": column >= found.end,
            "sa": column >= found.end, "ge": column >= found.start,
            "lt": column < found.start, "eb": column < found.start,
            "le": column < found.end}[prefix]
