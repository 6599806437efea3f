"""Alembic environment: run the migrations on the app's own database engine."""

from __future__ import annotations

import logging
from typing import Any

from alembic import context
from flask import current_app

from ivig_home import models  # noqa: F401  (every table, for autogenerate)
from ivig_home.db import UTCDateTime

# Logging is left as the app set it up: the migrations add their lines to it.
logger = logging.getLogger("alembic.env")
config = context.config
extension = current_app.extensions["migrate"]
engine = extension.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def skip_empty_revisions(_context: object, _revision: object, directives: list[Any]) -> None:
    """Write no migration file when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def render_item(kind: str, item: Any, _context: Any) -> str | bool:
    """Write UTC timestamps as plain DateTime, so migrations never import the app."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_offline() -> None:
    """Print the SQL instead of running it (alembic --sql)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=extension.db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations in one transaction on a connection from the app's engine."""
    arguments = dict(extension.configure_args)
    arguments.setdefault("process_revision_directives", skip_empty_revisions)
    arguments.setdefault("render_item", render_item)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=extension.db.metadata, **arguments)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
