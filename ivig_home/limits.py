"""The app's one rate limiter (Flask-Limiter); views add their own limits to it.

Counters live in RATELIMIT_STORAGE_URI: memory (one process) by default; with several
worker processes, point it at Redis (redis://host:6379) so they share the counts.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    """Attach the limiter to the app."""
    limiter.init_app(app)
