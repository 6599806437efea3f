"""The `ivig-home` command line, built on Flask's click integration."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup

from .checklist import WORDING, InvalidAnswers, assess, load
from .store_cli import STORE_COMMANDS


def _create_app() -> Any:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """Home-infusion readiness checklist for IVIG: app and tools."""


def read_answers(path: Path) -> dict[str, Any]:
    """Read an answers file, turning every failure into a one-line message and exit 2."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail([f"{path}: cannot read the file ({error.__class__.__name__})"])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        fail([f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"])
    return document  # type: ignore[no-any-return]


def fail(lines: list[str]) -> None:
    """Print each problem on its own line on stderr and exit with status 2."""
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(2)


@cli.command("assess", with_appcontext=False)
@click.argument("answers_file", type=click.Path(path_type=Path, dir_okay=False))
def assess_command(answers_file: Path) -> None:
    """Print the assessment of ANSWERS_FILE (JSON) as JSON."""
    document = read_answers(answers_file)
    try:
        assessment = assess(document)
    except InvalidAnswers as error:
        fail([str(problem) for problem in error.problems])
    click.echo(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))


@cli.command("checklist", with_appcontext=False)
def checklist_command() -> None:
    """Print every section and item with the severities its answers can raise."""
    checklist = load()
    click.echo(f"{checklist.title} ({checklist.id} {checklist.version})")
    for number, section in enumerate(checklist.sections, start=1):
        click.echo(f"\n{number}. {section.title} [{section.id}]")
        for item in section.items:
            flags = "; ".join(
                f"{WORDING[rule.severity].label.lower()}: {rule.reason}" for rule in item.flags
            )
            extra = f"  (asked when {item.when.describe()})" if item.when else ""
            required = "" if item.required else "  (optional)"
            click.echo(f"  - {item.id} [{item.type}]{required}{extra}")
            click.echo(f"      {item.question}")
            click.echo(f"      flags: {flags or 'none'}")
            click.echo(f"      sources: {', '.join(s.tag for s in item.sources)}")


def main() -> None:
    """Run the `ivig-home` command."""
    cli.main(prog_name="ivig-home")


for _command in STORE_COMMANDS:
    cli.add_command(_command)
