"""The agency's colour as an accent, darkened (same hue) until text on or in it keeps a 7:1
contrast."""

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


def darken(colour: str, factor: float) -> str:
    """Return '#rrggbb' with each channel scaled by `factor` (0 black, 1 unchanged)."""
    return "#" + "".join(f"{round(int(colour[i:i + 2], 16) * factor):02x}" for i in (1, 3, 5))


def accent(colour: str | None) -> str:
    """Return the agency colour when it reaches 7:1 against white, else the lightest shade of
    it that does (the same hue, darker); the dark default only for a value that is no colour."""
    parsed = parse_colour(colour)
    if parsed is None:
        return DEFAULT_ACCENT
    for step in range(101):  # black (step 100) reaches 21:1
        shade = darken(parsed, 1 - step / 100)
        if contrast(shade, WHITE) >= MIN_CONTRAST:
            return shade
    return DEFAULT_ACCENT  # pragma: no cover (black always passes)


def stylesheet(colour: str | None) -> str:
    """Return the per-agency CSS: the accent used for links, buttons and the header."""
    return f":root {{ --accent: {accent(colour)}; }}\n"
