"""Staff accounts: argon2 password hashes, sign-in with a lock after failures, sessions."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ivig_home.audit.log import audit_entry
from ivig_home.db import db, utcnow
from ivig_home.models import Agency, StaffUser
from ivig_home.models.agency import ROLES

MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# "cheapest" exists for the test suite only: a sign-in there takes microseconds, not ~0.3 s.
HASH_PROFILES = {"rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
                 "cheapest": profiles.CHEAPEST}


class AccountError(ValueError):
    """A staff account could not be made or changed; the message says why, for the user."""


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: ok, wrong, locked or disabled, and the user when known."""

    outcome: str
    user: StaffUser | None = None


def _hasher() -> PasswordHasher:
    name = current_app.config.get("PASSWORD_HASH_PROFILE", "rfc9106-low-memory")
    return PasswordHasher.from_parameters(HASH_PROFILES[name])


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password that follows the rules."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must have at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"The password must have at most {MAX_PASSWORD} characters.")
    return _hasher().hash(password)


def normal_email(email: str) -> str:
    """Return an email address trimmed and in lower case, or raise AccountError."""
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise AccountError("Enter an email address like name@agency.org.")
    return email


def create_user(agency: Agency, email: str, role: str, password: str,
                name: str | None = None) -> StaffUser:
    """Add a nurse or administrator to an agency; raise AccountError if that cannot be."""
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    user = StaffUser(agency_id=agency.id, email=normal_email(email), role=role,
                     password_hash=hash_password(password), name=(name or "").strip() or None,
                     session_token=secrets.token_urlsafe(32))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError("There is already an account with this email address.") from None
    return user


def find_user(email: str) -> StaffUser | None:
    """Return the account with this email address (any case), or None."""
    found: StaffUser | None = db.session.scalar(
        select(StaffUser).where(StaffUser.email == email.strip().lower()))
    return found


def load_session_user(session_id: str) -> StaffUser | None:
    """Return the active user a session id ("id:token") belongs to, or None."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.active or user.session_token is None:
        return None
    return user if secrets.compare_digest(user.session_token, token) else None


def sign_in(email: str, password: str, address: str | None) -> SignIn:
    """Check an email and password; lock the account for a while after repeated failures."""
    user = find_user(email)
    if user is None:
        _hasher().hash(password or "-")  # the same work as a real check, so timing tells nothing
        return SignIn("wrong")
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        # Not checked and not counted: the lock neither grows nor tells a guess was right.
        audit_entry("failed_login", actor=user.email, address=address, agency_id=user.agency_id)
        db.session.commit()
        return SignIn("locked", user)
    if user.locked_until is not None:
        user.locked_until, user.failed_logins = None, 0
    if not _password_matches(user, password):
        return _failed(user, address)
    if not user.active:
        db.session.commit()
        return SignIn("disabled", user)
    _signed_in(user, password, address)
    return SignIn("ok", user)


def _password_matches(user: StaffUser, password: str) -> bool:
    try:
        return bool(_hasher().verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _failed(user: StaffUser, address: str | None) -> SignIn:
    user.failed_logins += 1
    audit_entry("failed_login", actor=user.email, address=address, agency_id=user.agency_id)
    locked = user.failed_logins >= MAX_FAILURES
    if locked:
        user.locked_until = utcnow() + LOCK_TIME
        audit_entry("locked_out", actor=user.email, address=address, agency_id=user.agency_id)
    db.session.commit()
    return SignIn("locked" if locked else "wrong", user)


def _signed_in(user: StaffUser, password: str, address: str | None) -> None:
    user.failed_logins = 0
    user.last_login_at = utcnow()
    if user.session_token is None:
        user.session_token = secrets.token_urlsafe(32)
    hasher = _hasher()
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    audit_entry("logged_in", actor=user.email, address=address, agency_id=user.agency_id)
    db.session.commit()


def end_sessions(user: StaffUser) -> None:
    """End every signed-in session of this user (sign-out, or the account turned off)."""
    user.session_token = secrets.token_urlsafe(32)
    db.session.commit()


def set_active(user: StaffUser, active: bool) -> None:
    """Turn an account on or off; turning it off ends its sessions at once."""
    user.active = active
    if not active:
        user.session_token = secrets.token_urlsafe(32)
    db.session.commit()


def agency_users(agency_id: int) -> list[StaffUser]:
    """Return the agency's accounts, administrators first, then by email."""
    return list(db.session.scalars(
        select(StaffUser).where(StaffUser.agency_id == agency_id)
        .order_by(StaffUser.role, func.lower(StaffUser.email))))


def set_password(user: StaffUser, new: str) -> None:
    """Give an account a new password chosen by its administrator, without the old one.

    The sign-in lock and the count of wrong passwords are cleared, and the account's
    sessions end: whoever knew the old password is signed out. The caller commits (with
    its audit entry).
    """
    user.password_hash = hash_password(new)
    user.failed_logins = 0
    user.locked_until = None
    user.session_token = secrets.token_urlsafe(32)


def change_password(user: StaffUser, current: str, new: str) -> None:
    """Replace the user's password after checking the current one."""
    if not _password_matches(user, current):
        raise AccountError("The current password is not right.")
    user.password_hash = hash_password(new)
    db.session.commit()
