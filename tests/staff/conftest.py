"""Fixtures for the care team's area (the two agencies, `world`, are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.staff.support import STAFF_CONFIG


@pytest.fixture
def make_staff_app(sqlite_apps: Callable[..., Flask]) -> Callable[..., Flask]:
    """Return a maker of apps (staff settings plus any given) on fresh SQLite databases."""
    return lambda **config: sqlite_apps(**{**STAFF_CONFIG, **config})


@pytest.fixture
def staff_app(make_staff_app: Callable[..., Flask]) -> Flask:
    """Return an app with the staff test settings."""
    return make_staff_app()
