"""The checklist's commands: assess an answers file, list every item. No app, no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ivig_home.checklist import WORDING, Assessment, InvalidAnswers, assess, load

# A command-line PDF belongs to no submission: it says so where the reference would be.
PREVIEW_REFERENCE = "CLI-PREVIEW"
PREVIEW_AGENCY = {"name": "Preview from the command line (no agency)", "phone": None,
                  "colour": None, "logo": None, "logo_type": None}



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


@click.command("assess")
@click.argument("answers_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--pdf", "pdf_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the care-team summary PDF to this file.")
@click.option("--page-size", type=click.Choice(["Letter", "A4"], case_sensitive=False),
              envvar="IVIG_HOME_PDF_PAGE_SIZE", default="Letter", show_default=True,
              help="Paper size of the PDF.")
def assess_command(answers_file: Path, pdf_file: Path | None, page_size: str) -> None:
    """Print the assessment of ANSWERS_FILE (JSON) as JSON; --pdf also writes the summary."""
    document = read_answers(answers_file)
    try:
        assessment = assess(document)
    except InvalidAnswers as error:
        fail([str(problem) for problem in error.problems])
    if pdf_file is not None:
        write_preview_pdf(assessment, pdf_file, page_size)
    click.echo(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))


def write_preview_pdf(assessment: Assessment, path: Path, page_size: str) -> None:
    """Write the summary PDF for a command-line preview (no submission, no agency)."""
    from ivig_home.report import build_context, render_pdf

    context = build_context(assessment, reference=PREVIEW_REFERENCE, agency=PREVIEW_AGENCY,
                            completed_at=assessment.completed_on)
    try:
        path.write_bytes(render_pdf(context, page_size=page_size))
    except OSError as error:
        fail([f"{path}: cannot write the PDF ({error.__class__.__name__})"])


@click.command("checklist")
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


CHECKLIST_COMMANDS = [assess_command, checklist_command]
