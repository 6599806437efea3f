"""The `ivig-home` command line, built on Flask's click integration."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import FlaskGroup

from ivig_home.cli.agencies import AGENCY_COMMANDS
from ivig_home.cli.checklist import CHECKLIST_COMMANDS
from ivig_home.cli.patients import PATIENT_COMMANDS
from ivig_home.cli.staff import STAFF_COMMANDS
from ivig_home.cli.store import STORE_COMMANDS


def _create_app() -> Any:
    from ivig_home import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """Home-infusion readiness checklist for IVIG: app and tools."""


def main() -> None:
    """Run the `ivig-home` command."""
    cli.main(prog_name="ivig-home")


for _command in [*CHECKLIST_COMMANDS, *STORE_COMMANDS, *STAFF_COMMANDS, *AGENCY_COMMANDS,
                 *PATIENT_COMMANDS]:
    cli.add_command(_command)
