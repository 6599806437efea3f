"""SQL check constraints shared by the tables."""

from __future__ import annotations

from sqlalchemy import CheckConstraint


def one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """Return a check that a column holds one of a few fixed words."""
    words = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({words})", name=name)
