"""API tokens: made once and shown once, stored as a SHA-256 only, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from ivig_home.db import db, utcnow
from ivig_home.models import Agency, ApiToken

TOKEN_PREFIX = "ivig_"  # noqa: S105 (the visible start of every token, not a secret)
PREFIX_LENGTH = 12
# A token is 32 random bytes: a hash without a salt is enough, and it can be looked up.
TOKEN_SHAPE_LENGTH = len(TOKEN_PREFIX) + 43


def token_digest(token: str) -> str:
    """Return the hex SHA-256 kept for a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(agency: Agency, label: str = "") -> tuple[ApiToken, str]:
    """Make a token for the agency's systems; the plain token is returned once, never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(agency_id=agency.id, label=(label.strip() or "API token")[:100],
                   prefix=token[:PREFIX_LENGTH], token_sha256=token_digest(token))
    db.session.add(row)
    db.session.commit()
    return row, token


def token_holder(token: str) -> ApiToken | None:
    """Return the live token row matching a presented token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) != TOKEN_SHAPE_LENGTH:
        return None
    digest = token_digest(token)
    row: ApiToken | None = db.session.scalar(
        select(ApiToken).where(ApiToken.token_sha256 == digest))
    # The lookup is by digest; the compare is constant-time all the same.
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        return None
    if row.revoked_at is not None:
        return None
    return row


def agency_tokens(agency: Agency) -> list[ApiToken]:
    """Return the agency's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.agency_id == agency.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(agency: Agency, prefix: str) -> int:
    """Revoke the agency's live token shown with this prefix (or given whole); return how many."""
    wanted = prefix.strip()[:PREFIX_LENGTH]
    if len(wanted) < PREFIX_LENGTH:
        return 0
    count = 0
    for row in agency_tokens(agency):
        if row.revoked_at is None and hmac.compare_digest(row.prefix, wanted):
            row.revoked_at = utcnow()
            count += 1
    db.session.commit()
    return count
