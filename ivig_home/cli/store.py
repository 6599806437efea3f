"""The `ivig-home` commands that look after the database: init-db, rotate-key, purge, backup,
link-patients, count-changes."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ivig_home import maintenance
from ivig_home.crypto import keyring
from ivig_home.patients.matching import link_unlinked
from ivig_home.patients.since import count_all


@click.command("init-db")
@click.option("--demo", is_flag=True, help="Also make sure the demo agency exists.")
@with_appcontext
def init_db_command(demo: bool) -> None:
    """Create the database or upgrade it to the latest schema."""
    maintenance.init_db(demo=demo)
    click.echo("The database is ready" + (", with the demo agency." if demo else "."))


@click.command("rotate-key")
@click.option("--forget-old", is_flag=True,
              help="Then remove keys no stored data uses from instance/encryption_keys.")
@with_appcontext
def rotate_key_command(forget_old: bool) -> None:
    """Encrypt everything stored under a new key.

    With keys in instance/encryption_keys, a new key is made first. With keys in
    IVIG_HOME_ENCRYPTION_KEYS, put the new key first there, then run this.
    """
    keys_file = keyring().path
    if keys_file is not None:
        click.echo(f"New key {maintenance.add_key()} added to {keys_file.name}.")
    count = maintenance.reseal_all()
    click.echo(f"{count} stored values re-encrypted under key {keyring().current_id}.")
    if forget_old:
        dropped = maintenance.forget_old_keys()
        click.echo(f"Keys removed: {', '.join(dropped) or 'none'}.")


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete expired drafts, and submissions older than RETENTION_DAYS when it is set."""
    drafts, submissions = maintenance.purge()
    days = current_app.config.get("RETENTION_DAYS")
    kept = f"older than {days} days" if days else "none: RETENTION_DAYS is not set"
    click.echo(f"Deleted {drafts} expired drafts and {submissions} submissions ({kept}).")


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the SQLite database to PATH, consistently, while the app keeps running."""
    try:
        count = maintenance.backup(path)
    except maintenance.BackupUnsupported as error:
        click.echo(f"error: ivig-home backup copies the embedded SQLite database; this one is "
                   f"{error}. Back up PostgreSQL with pg_dump, for example:\n"
                   f"  pg_dump --format=custom --file=ivig_home.dump \"$DATABASE_URL\"",
                   err=True)
        sys.exit(2)
    except FileExistsError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Backed up {count} submissions to {path}. The keys are not in it: keep a "
               "copy of instance/encryption_keys and instance/hmac_key (or the "
               "IVIG_HOME_ENCRYPTION_KEYS and IVIG_HOME_HMAC_KEY values) somewhere safe too.")


@click.command("link-patients")
@with_appcontext
def link_patients_command() -> None:
    """Give every submission without a patient its patient (init-db also does)."""
    count = link_unlinked()
    click.echo(f"{count} submissions linked to their patients.")


@click.command("count-changes")
@with_appcontext
def count_changes_command() -> None:
    """Count what changed since last time for submissions stored before counts were kept
    (the queue also counts a row the first time it shows it)."""
    count = count_all()
    click.echo(f"{count} submissions counted.")


STORE_COMMANDS = [init_db_command, rotate_key_command, purge_command, backup_command,
                  link_patients_command, count_changes_command]
