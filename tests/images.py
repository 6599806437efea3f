"""Images for the logo tests and for agencies that have a logo."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin


def png(size: tuple[int, int] = (60, 20), text: str | None = None) -> bytes:
    """Return a PNG of one colour, with a text chunk when given one."""
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    Image.new("RGB", size, "#0b3d2e").save(out, format="PNG", pnginfo=info)
    return out.getvalue()
