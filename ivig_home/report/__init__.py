"""The PDF summary for the care team: plain-data context, HTML and a tagged PDF."""

from ivig_home.report.context import TITLE, build_context, download_filename
from ivig_home.report.priority import render_pdf_low_priority
from ivig_home.report.render import render_html, render_pdf

__all__ = ["TITLE", "build_context", "download_filename", "render_html", "render_pdf",
           "render_pdf_low_priority"]
