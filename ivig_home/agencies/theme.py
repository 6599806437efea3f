"""The agency's colour as an accent, only where text on or in it keeps a 7:1 contrast."""

from __future__ import annotations

import re

DEFAULT_ACCENT = "#1d4f91"
WHITE = "#ffffff"  # the page, and the text on buttons
MIN_CONTRAST = 7.0
HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def parse_colour(value: str | None) -> str | None:
    """Return '#rrggbb' for a hex colour such as '#1d4f91' or '#fa0', else None."""
    match = HEX.match((value or "").strip())
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits.lower()


def luminance(colour: str) -> float:
    """Return the relative luminance of '#rrggbb' (WCAG 2 formula)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two '#rrggbb' colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def accent(colour: str | None) -> str:
    """Return the agency colour when it reaches 7:1 against white, else a dark default."""
    parsed = parse_colour(colour)
    if parsed and contrast(parsed, WHITE) >= MIN_CONTRAST:
        return parsed
    return DEFAULT_ACCENT


def stylesheet(colour: str | None) -> str:
    """Return the per-agency CSS: the accent used for links, buttons and the header."""
    return f":root {{ --accent: {accent(colour)}; }}\n"
