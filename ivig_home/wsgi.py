"""The app for a WSGI server: `gunicorn -c gunicorn.conf.py ivig_home.wsgi:app`."""

from __future__ import annotations

from ivig_home import create_app

app = create_app()
