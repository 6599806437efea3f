"""Agencies and their submissions for the agency, API, webhook and embedding tests, made
through the registry and the store."""

from __future__ import annotations

from typing import Any

from ivig_home.agencies import registry as agencies
from ivig_home.checklist import assess
from ivig_home.intake import drafts, submissions
from ivig_home.models import Agency, Submission
from tests.answers import example


def make_agency(slug: str, **options: Any) -> Agency:
    """Create an agency with a name and phone of its own."""
    name = slug.replace("-", " ").title() + " Home Infusion"
    return agencies.create_agency(slug, name, "555-0142", **options).agency


def make_harbour() -> Agency:
    """Create the harbour agency, with a colour and a website that may frame the form."""
    return make_agency("harbour", colour="#0b3d2e",
                       allowed_origins=["https://www.harbour.example"])


def submit(agency: Agency, name: str = "clinical-risk-factors",
           pdf: bytes | None = None) -> Submission:
    """Fill in and send a draft of one of the examples for the agency."""
    document = example(name)
    draft = drafts.start_draft(agency)
    drafts.save_draft(draft, document["answers"], "confirm")
    return submissions.submit_draft(draft, assess(document), pdf)
