"""`ivig-home assess ANSWERS.json --pdf OUT.pdf`, run as a user runs it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest

from tests.answers import EXAMPLES, clean
from tests.cli.support import run
from tests.pdf_tools import page_count, text_of


@pytest.mark.parametrize("size,width", [("Letter", 612), ("A4", 595)])
def test_assess_writes_the_summary_pdf_and_still_prints_the_assessment(
        tmp_path: Path, size: str, width: int) -> None:
    out = tmp_path / "summary.pdf"
    result = run("assess", str(EXAMPLES / "emergency.json"), "--pdf", str(out),
                 "--page-size", size)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["emergency"] == 1
    pdf = out.read_bytes()
    assert page_count(pdf) >= 2
    text = text_of(pdf, first=1, last=1)
    assert "Reference: CLI-PREVIEW" in text and "Completed: 21 November 2026 " in text
    assert "Patient Mei Chen" in text and "Do you have trouble breathing right now?" in text
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert round(float(document.pages[0].mediabox[2])) == width


def test_invalid_answers_write_no_pdf_and_exit_2(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(clean(breathing_trouble_now="maybe")))
    out = tmp_path / "summary.pdf"
    result = run("assess", str(answers), "--pdf", str(out))
    assert result.returncode == 2 and not out.exists()
    assert result.stderr.startswith("error: breathing_trouble_now: expected one of")
    assert "Traceback" not in result.stderr


def test_an_unwritable_pdf_path_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run("assess", str(EXAMPLES / "nothing-to-flag.json"), "--pdf",
                 str(tmp_path / "missing-folder" / "summary.pdf"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "cannot write the PDF" in result.stderr
