"""Fixtures for the API: a live token of the harbour agency (`harbour` is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from ivig_home.agencies import api_tokens as tokens
from ivig_home.models import Agency


@pytest.fixture
def token(harbour: Agency) -> str:
    """Return a live API token of the harbour agency."""
    return tokens.create_token(harbour, "tests")[1]
