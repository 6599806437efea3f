"""ivig_home: home-infusion readiness checklist for people with myasthenia gravis.

Importing a subpackage (the checklist engine, say) loads no Flask: the app factory is
imported only when it is asked for.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """Import the app factory on first use."""
    if name == "create_app":
        from ivig_home.app import create_app

        return create_app
    raise AttributeError(f"module 'ivig_home' has no attribute {name!r}")
