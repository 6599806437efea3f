"""The `ivig-home` command line, run as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.answers import EXAMPLES, clean
from tests.cli.support import run


@pytest.mark.parametrize("name,emergency,urgent", [("nothing-to-flag", 0, 0), ("emergency", 1, 2),
                                                   ("clinical-risk-factors", 0, 0)])
def test_assess_prints_the_assessment_as_json(name: str, emergency: int, urgent: int) -> None:
    result = run("assess", str(EXAMPLES / f"{name}.json"))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) >= {"checklist", "completed_on", "flags", "counts"}
    assert output["counts"]["emergency"] == emergency and output["counts"]["urgent"] == urgent
    for flag in output["flags"]:
        assert set(flag) >= {"item", "severity", "answer", "unsure", "reason", "sources"}
        assert flag["sources"]


def test_bad_answers_exit_2_with_one_line_per_problem(tmp_path: Path) -> None:
    document = clean(breathing_trouble_now="maybe", supervised_infusions=-1, made_up_item="x")
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(document))
    result = run("assess", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("error: breathing_trouble_now: expected one of") for line in lines)
    assert any("supervised_infusions" in line for line in lines)
    assert any("made_up_item: unknown item id" in line for line in lines)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON"), ("", "not valid JSON"), ("[1, 2]", "(document)"),
    (b"\xff\xfe\x00".decode("latin-1"), "cannot read"),
])
def test_unreadable_input_exits_2_without_a_traceback(tmp_path: Path, content: str,
                                                      message: str) -> None:
    path = tmp_path / "answers.json"
    path.write_bytes(content.encode("latin-1"))
    result = run("assess", str(path))
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("assess", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_checklist_lists_every_item_with_its_severities() -> None:
    result = run("checklist")
    assert result.returncode == 0
    assert "kidney_problems [yesno]" in result.stdout
    assert "emergency:" in result.stdout and "prepare:" in result.stdout
    assert result.stdout.count("\n  - ") == 58
