"""Home-health agencies, their staff and their API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ivig_home.crypto import seal, sealed_context, unseal
from ivig_home.db import UTCDateTime, db, utcnow
from ivig_home.models._checks import one_of
from ivig_home.timezones import configured

ROLES = ("nurse", "admin")


def webhook_secret_context(agency_id: int) -> str:
    """Return what an agency's encrypted webhook secret is bound to: its table, column, row."""
    return sealed_context("agencies", "webhook_secret_enc", str(agency_id))


class Agency(db.Model):  # type: ignore[name-defined,misc]
    """A home-health agency that offers the form under its own name and phone number."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    colour: Mapped[str] = mapped_column(String(7), default="#1d4f91")
    # The logo is only read when it is served, never with the agency row.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_type: Mapped[str | None] = mapped_column(String(40))
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    # The webhook signing secret, encrypted and bound to this row: use `webhook_secret`.
    webhook_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    # When a migration replaced the secret (nobody has seen that one); cleared when it is
    # made afresh and shown.
    webhook_secret_replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where "a new checklist was submitted" notices go: reference and counts only.
    notify_email: Mapped[str | None] = mapped_column(String(254))
    # An IANA name ('America/New_York'): times are stored in UTC and shown in this zone.
    time_zone: Mapped[str] = mapped_column(String(64), default=configured,
                                           server_default="UTC")
    # How patients write dates ('en-US': month first; 'en-GB': day first): ivig_home.locales.
    locale: Mapped[str] = mapped_column(String(16), default="en-US", server_default="en-US")
    # The languages the checklist is offered in, comma-separated, the default first ('en',
    # 'en,es'): ivig_home.i18n.
    languages: Mapped[str] = mapped_column(String(64), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def language_list(self) -> list[str]:
        """Return the languages offered, the agency's default first."""
        return [code for code in (self.languages or "en").split(",") if code] or ["en"]

    @property
    def webhook_secret(self) -> str | None:
        """Return the webhook signing secret, decrypted; None when there is none."""
        if self.webhook_secret_enc is None:
            return None
        return str(unseal(self.webhook_secret_enc, webhook_secret_context(self.id)))

    @webhook_secret.setter
    def webhook_secret(self, secret: str | None) -> None:
        if secret is None:
            self.webhook_secret_enc = None
            return
        if self.id is None:
            raise ValueError("an agency needs its id (flush it first) before it gets a secret")
        self.webhook_secret_enc = seal(secret, webhook_secret_context(self.id))

    def __repr__(self) -> str:
        return f"<Agency {self.slug}>"


class StaffUser(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A nurse or administrator of one agency."""

    __tablename__ = "staff_users"
    __table_args__ = (one_of("role", ROLES, "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"),
                                           index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="nurse")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the signed-in session's id: replacing it ends every session of this user.
    session_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()

    @property
    def is_active(self) -> bool:
        """Return whether the account may sign in (a disabled one may not)."""
        return bool(self.active)

    @property
    def is_admin(self) -> bool:
        """Return whether this is an administrator of the agency."""
        return self.role == "admin"

    @property
    def display_name(self) -> str:
        """Return the name to show for this user, or the email when no name was given."""
        return self.name or self.email

    def get_id(self) -> str:
        """Return the session id: the user's id and current session token."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A token an agency's systems use for the API; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_agency", "agency_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100))
    # The first characters let an administrator tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(12))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()
