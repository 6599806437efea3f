"""The checklist engine stands alone: it imports and assesses with Flask, SQLAlchemy and
WeasyPrint out of reach, so a script or another service can use it without the web app."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

BLOCKED = ("flask", "flask_wtf", "flask_sqlalchemy", "flask_babel", "sqlalchemy", "weasyprint",
           "wtforms", "jinja2", "werkzeug", "pydyf", "babel")

SCRIPT = textwrap.dedent("""
    import importlib.abc, json, sys

    BLOCKED = set(sys.argv[1].split(","))

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not importable here")
            return None

    sys.meta_path.insert(0, Refuse())
    import ivig_home.checklist as c
    print(c.assess)
    result = c.assess({"completed_on": "2026-11-21", "answers": json.loads(sys.argv[2])})
    print(json.dumps(result.to_dict()["counts"]))
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
    print("loaded:", ",".join(loaded) or "none")
""")


def run(answers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT, ",".join(BLOCKED), answers],
                          capture_output=True, text=True, cwd=PROJECT, timeout=60, check=False)


def test_the_engine_imports_and_assesses_without_the_web_stack() -> None:
    import json

    from tests.answers import example

    answers = example("emergency")["answers"]
    result = run(json.dumps(answers))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("<function assess")
    assert json.loads(lines[1])["emergency"] >= 1
    assert lines[2] == "loaded: none"


def test_the_blocker_really_blocks() -> None:
    """The same script fails when it reaches for the web app (the check above can fail)."""
    probe = SCRIPT.replace("import ivig_home.checklist as c", "import ivig_home.app as c")
    result = subprocess.run([sys.executable, "-c", probe, ",".join(BLOCKED), "{}"],
                            capture_output=True, text=True, cwd=PROJECT, timeout=60,
                            check=False)
    assert result.returncode != 0 and "is not importable here" in result.stderr
