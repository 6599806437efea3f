"""The PDF as a document: tagged, titled, fonts embedded, page size, byte-identical renders."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivig_home import create_app
from ivig_home.report import TITLE, download_filename, render_pdf
from tests.answers import clean, example
from tests.pdf_tools import context_for, example_pdf, fonts_of, render, text_of, ticked

POINTS = {"Letter": (612, 792), "A4": (595.28, 841.89)}


def media_boxes(pdf: bytes) -> set[tuple[float, float]]:
    """Return the distinct page sizes, in points, rounded to two decimals."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return {(round(float(page.mediabox[2]), 2), round(float(page.mediabox[3]), 2))
                for page in document.pages}


@pytest.mark.parametrize("name", ["emergency", "nothing-to-flag"])
def test_the_pdf_is_tagged_titled_in_english_and_every_font_is_embedded(name: str) -> None:
    pdf = example_pdf(name)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        assert "/StructTreeRoot" in root and bool(root.MarkInfo.Marked)
        assert str(root.Lang) == "en"
        assert str(document.docinfo.Title) == TITLE
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        assert "/Outlines" not in root  # no bookmarks panel, as the summary has always been
        with document.open_metadata() as xmp:
            assert xmp["dc:title"] == TITLE
        kinds = {str(element.get("/S")) for element in _structure(root.StructTreeRoot)}
        assert {"/H1", "/H2", "/H3", "/P", "/Table", "/TR", "/TH", "/TD"} <= kinds
    fonts = fonts_of(pdf)
    assert fonts
    for font in fonts:
        assert font.program, f"{font.name} is not embedded"


def _structure(element: pikepdf.Object) -> list[pikepdf.Object]:
    """Return every structure element below element."""
    found = []
    kids = element.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            found.append(kid)
            found.extend(_structure(kid))
    return found


def test_two_renders_of_one_submission_are_byte_identical_even_across_processes(
        tmp_path: Path) -> None:
    context = context_for(example("clinical-risk-factors"))
    first, second = render_pdf(context), render_pdf(context)
    assert first == second
    script = (
        "import sys, json; from datetime import datetime\n"
        "from tests.pdf_tools import render; from tests.answers import example\n"
        "sys.stdout.buffer.write(render(example('clinical-risk-factors')))\n")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True,
                           cwd=Path(__file__).resolve().parent.parent, timeout=120).stdout
    assert other == first
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(other).hexdigest()


def test_renders_in_parallel_threads_match_a_serial_render() -> None:
    context = context_for(example("emergency"))
    serial = render_pdf(context)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: render_pdf(context), range(6)))
    assert all(result == serial for result in results)


def test_a_summary_after_others_in_the_same_thread_is_the_one_a_fresh_thread_renders() -> None:
    # Each thread keeps its parsed stylesheet and font configuration from one render to
    # the next: nothing of an earlier summary may show in a later one.
    for name in ("emergency", "clinical-risk-factors", "nothing-to-flag"):
        render_pdf(context_for(example(name)))
    context = context_for(clean(patient_name="Second Patient", contact_phone="555-0199"),
                          reference="HKT-7777")
    pdf = render_pdf(context)
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(render_pdf, context).result() == pdf
    text = text_of(pdf)
    assert "Second Patient" in text and "555-0199" in text and "HKT-7777" in text
    assert not [name for name in ("Mei Chen", "George Papadopoulos", "Ana Ruiz", "HKT-4829")
                if name in text]


def test_metadata_dates_come_from_the_submission_not_the_clock() -> None:
    with pikepdf.open(io.BytesIO(example_pdf("emergency"))) as document:
        assert str(document.docinfo.CreationDate) == "D:20261121091400+00'00"
        assert str(document.docinfo.ModDate) == "D:20261121091400+00'00"
    later = render(example("emergency"),
                   completed_at=datetime(2027, 1, 2, 3, 4, tzinfo=UTC))
    with pikepdf.open(io.BytesIO(later)) as document:
        assert str(document.docinfo.CreationDate) == "D:20270102030400+00'00"
    naive = render(example("emergency"), completed_at=datetime(2027, 1, 2, 3, 4))
    with pikepdf.open(io.BytesIO(naive)) as document:
        assert str(document.docinfo.CreationDate) == "D:20270102030400+00'00"
    assert "Completed: 2 January 2027 at 03:04 Reference" in text_of(naive)


@pytest.mark.parametrize("page_size,expected", [
    (None, "Letter"), ("Letter", "Letter"), ("A4", "A4"), ("a4", "A4"), ("letter", "Letter")])
def test_page_size_is_letter_by_default_and_a4_on_request(page_size: str | None,
                                                          expected: str) -> None:
    pdf = render(example("nothing-to-flag"), page_size=page_size)
    assert media_boxes(pdf) == {POINTS[expected]}


def test_the_app_setting_chooses_a4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    context = context_for(example("nothing-to-flag"))
    with create_app({"PDF_PAGE_SIZE": "A4"}).app_context():
        assert media_boxes(render_pdf(context)) == {POINTS["A4"]}
        assert media_boxes(render_pdf(context, page_size="Letter")) == {POINTS["Letter"]}
    with create_app().app_context():
        assert media_boxes(render_pdf(context)) == {POINTS["Letter"]}


def test_an_unknown_page_size_is_refused() -> None:
    with pytest.raises(ValueError, match="Letter or A4"):
        render(example("nothing-to-flag"), page_size="Legal")


def test_the_reissued_pdf_carries_the_review_and_the_original_hash() -> None:
    original = example_pdf("emergency")
    digest = hashlib.sha256(original).hexdigest()
    review = {"reviewer": "Sam Lee, RN", "reviewed_at": "2026-11-22T15:30:00+00:00",
              "note": "Patient sent to the emergency department by the on-call nurse.",
              "items": {"breathing_trouble_now": {"dispositions": ["contacted_patient",
                                                                  "escalated"],
                                                  "note": "Called 911 with the patient."},
                        "ivig_purpose": {"dispositions": ["acknowledged", "made_up"]}}}
    pdf = render(example("emergency"), review=review, original_sha256=digest)
    text = text_of(pdf)
    assert "Reviewed copy: reviewed by Sam Lee, RN on 22 November 2026 at 15:30 UTC" in text
    assert "Reviewed by Sam Lee, RN on 22 November 2026 at 15:30 UTC." in text
    assert ("1. Do you have trouble breathing right now?") in text
    assert "Rule id: breathing_trouble_now Acknowledged Contacted patient Escalated Not " \
        "applicable Note: Called 911 with the patient." in text
    assert ticked(pdf)[:3] == ["Contacted patient", "Escalated", "Acknowledged"]
    assert len(ticked(pdf)) == 3 and "made_up" not in text and "(ticked)" not in text
    assert "Review notes: Patient sent to the emergency department" in text
    assert "Reviewer name: Sam Lee, RN Signature: Date: 22 November 2026 at 15:30 UTC" in text
    assert f"SHA-256 of the original PDF: {digest}" in text
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.docinfo.CreationDate) == "D:20261121091400+00'00"
        assert str(document.docinfo.ModDate) == "D:20261122153000+00'00"


@pytest.mark.parametrize("reference,completed,expected", [
    ("HKT-4829", datetime(2026, 11, 21, 9, 14, tzinfo=UTC), "ivig-summary-HKT-4829-2026-11-21.pdf"),
    ("HKT-4829", date(2026, 1, 2), "ivig-summary-HKT-4829-2026-01-02.pdf"),
    ("HKT 4829/../x", date(2026, 1, 2), "ivig-summary-HKT-4829-x-2026-01-02.pdf"),
    ("", date(2026, 1, 2), "ivig-summary-summary-2026-01-02.pdf"),
])
def test_the_file_name_carries_reference_and_date_only(reference: str, completed: date,
                                                       expected: str) -> None:
    assert download_filename(reference, completed) == expected


@given(reference=st.text(max_size=40), day=st.dates(min_value=date(2000, 1, 1)))
def test_no_file_name_character_comes_from_outside_a_safe_set(reference: str, day: date) -> None:
    name = download_filename(reference, day)
    assert name.startswith("ivig-summary-") and name.endswith(f"-{day.isoformat()}.pdf")
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


def test_the_context_is_plain_data() -> None:
    context = context_for(example("clinical-risk-factors"), messages_shown={"urgent": None})
    assert json.loads(json.dumps(context, default=_bytes_only)) is not None


def _bytes_only(value: object) -> str:
    """Allow bytes (the logo) and nothing else that JSON cannot hold."""
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"not plain data: {type(value).__name__}")
