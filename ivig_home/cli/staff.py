"""The `ivig-home create-user` command: a nurse or administrator of one agency."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ivig_home.agencies import registry
from ivig_home.models.agency import ROLES
from ivig_home.staff import accounts


def _read_password(from_stdin: bool) -> str:
    """Return the password from one line of standard input, or from a hidden, repeated prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True,
                                 confirmation_prompt="Repeat the password")
    return password


@click.command("create-user")
@click.argument("email")
@click.option("--agency", "slug", required=True, help="The agency's slug, e.g. demo.")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="nurse: the queue and reviews; admin: also staff accounts and audit log.")
@click.option("--name", default=None, help="The person's name, shown as the reviewer.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@with_appcontext
def create_user_command(email: str, slug: str, role: str, name: str | None,
                        password_stdin: bool) -> None:
    """Add a staff account EMAIL to an agency; the password is never a command argument."""
    agency = registry.get_agency(slug)
    if agency is None:
        click.echo(f"error: no agency has the slug {slug!r}", err=True)
        sys.exit(2)
    password = _read_password(password_stdin)
    try:
        user = accounts.create_user(agency, email, role, password, name)
    except accounts.AccountError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Added {user.role} {user.email} to {agency.name} ({agency.slug}).")


STAFF_COMMANDS = [create_user_command]
