"""The `ivig-home` commands that look after the database: init-db, rotate-key, purge, backup."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import store


@click.command("init-db")
@click.option("--demo", is_flag=True, help="Also make sure the demo agency exists.")
@with_appcontext
def init_db_command(demo: bool) -> None:
    """Create the database or upgrade it to the latest schema."""
    store.init_db(demo=demo)
    click.echo("The database is ready" + (", with the demo agency." if demo else "."))


STORE_COMMANDS = [init_db_command]
