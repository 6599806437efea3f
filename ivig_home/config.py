"""Default settings. instance/config.py, then IVIG_HOME_* variables, override them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # The name patients and nurses see (page titles, headers, notices) where no agency name
    # stands instead.
    "PRODUCT_NAME": "IVIG home checklist",
    "PDF_PAGE_SIZE": "Letter",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "FORCE_HTTPS": False,
    "LOG_LEVEL": "INFO",
    # Connections are renewed every 30 minutes (proxies and firewalls drop idle ones), and
    # statement parameters (ids, hashes) never reach a log line or an error message.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800, "hide_parameters": True},
    # A PostgreSQL connection the server closed (a restart) is replaced before use rather
    # than failing a request, seen on its socket without a round trip (serving.py).
    "DATABASE_CLOSED_CHECK": True,
    # Number of reverse proxies in front of the app whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted (Werkzeug's ProxyFix); 0 trusts none.
    "PROXY_FIX": 0,
    # Rate-limit counters: memory:// counts per process; with several workers or app
    # servers use redis://host:6379, which they share. If Redis cannot be reached, each
    # process counts on its own until it can.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "ivig_home",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    # Days to keep submissions; None keeps them until an administrator deletes them.
    "RETENTION_DAYS": None,
    # Webhooks are stored at submit; a thread sends them after the request when this is on,
    # otherwise `ivig-home deliver-webhooks` (from a timer) does.
    "WEBHOOKS_SEND_IN_BACKGROUND": False,
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOKS_POLL_SECONDS": 30,
    # Webhook URLs must be https to public addresses; True also allows http and private,
    # loopback and link-local addresses (tests, or receivers on a private network).
    "WEBHOOK_ALLOW_PRIVATE_HOSTS": False,
    # Failed resumes (a code and date of birth that open nothing) from one address, counted
    # in the database so every worker and app server sees them, before it is locked out.
    "RESUME_FAILURE_LIMIT": 10,
    "RESUME_LOCK_MINUTES": 15,
    # Days before an invitation's infusion that `ivig-home send-reminders` emails a reminder.
    "REMINDER_DAYS": [3, 1],
    # Staff sign-in: attempts per address, and minutes without activity before signing out.
    "STAFF_LOGIN_RATE_LIMIT": "10 per minute;100 per hour",
    "STAFF_IDLE_MINUTES": 15,
    "PASSWORD_HASH_PROFILE": "rfc9106-low-memory",
    # The staff "next page" after signing in is kept in the session, not in the URL.
    "USE_SESSION_FOR_NEXT": True,
    # New-submission notices by email: nothing is sent while MAIL_SERVER is None.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "ivig-home@localhost",
    "MAIL_TIMEOUT": 10,
    # The app's public address (https://ivig.example.org) for links in notices; without
    # it, the address of the request that made the submission is used.
    "PUBLIC_URL": None,
    # The time zone new agencies get (an IANA name like "America/New_York"); each agency
    # can have its own. Times are stored in UTC and shown in the agency's zone.
    "TIME_ZONE": "UTC",
}

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)


def instance_secret(instance_path: str, name: str = SECRET_KEY_FILE) -> str:
    """Return a secret kept in the instance folder, generating it once on first use."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def database_url(instance_path: str) -> str:
    """Return DATABASE_URL when set, else the embedded SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgres://", "postgresql+psycopg://", 1).replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    return "sqlite:///" + str(Path(instance_path) / "ivig_home.sqlite3")
