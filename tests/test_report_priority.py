"""Summaries rendered at low priority: the same bytes, from a thread the scheduler serves last."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ivig_home import create_app
from ivig_home.report import priority, render_pdf, render_pdf_low_priority
from tests.answers import example
from tests.pdf_tools import context_for


def test_a_low_priority_render_is_byte_identical_and_keeps_the_app_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVIG_HOME_INSTANCE_PATH", str(tmp_path))
    context = context_for(example("emergency"))
    with create_app({"PDF_PAGE_SIZE": "A4"}).app_context():
        assert render_pdf_low_priority(context) == render_pdf(context)


def test_the_render_thread_runs_at_a_lower_priority_than_the_request() -> None:
    thread_niceness = priority._executor().submit(os.getpriority, os.PRIO_PROCESS, 0).result()
    request_niceness = os.getpriority(os.PRIO_PROCESS, 0)
    assert thread_niceness == min(19, request_niceness + priority.NICENESS)
