"""The PDF summary for the care team: plain-data context, HTML and a tagged PDF."""

from .context import TITLE, build_context, download_filename
from .priority import render_pdf_low_priority
from .render import render_html, render_pdf

__all__ = ["TITLE", "build_context", "download_filename", "render_html", "render_pdf",
           "render_pdf_low_priority"]
