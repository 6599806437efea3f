"""CSRF for the patient forms that works without any cookie (the form may be in an iframe)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

SIGNED_SALT = "ivig_home.patient.views.csrf"
DEFAULT_MAX_AGE = 24 * 3600


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def draft_token(draft_id: str) -> str:
    """Return the CSRF token of a draft: an HMAC of its id under the secret key."""
    return hmac.new(_secret(), b"draft-csrf:" + draft_id.encode(), hashlib.sha256).hexdigest()


class DraftCSRF(CSRF):
    """Tie the token to the draft: the draft id in the URL is already its capability."""

    def setup_form(self, form: Any) -> Any:
        """Remember the draft id the form belongs to."""
        self.draft_id = str(form.meta.csrf_context)
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        """Return the token for this draft."""
        return draft_token(self.draft_id)

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        """Refuse a missing or wrong token, comparing in constant time."""
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        posted = str(field.data or "").encode()
        if not hmac.compare_digest(posted, draft_token(self.draft_id).encode()):
            raise ValidationError("The form token is missing or wrong.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret(), salt=SIGNED_SALT)


class SignedCSRF(CSRF):
    """A signed, time-limited token naming the form's purpose, for forms before a draft."""

    def setup_form(self, form: Any) -> Any:
        """Remember the purpose (e.g. 'resume:demo') the token must name."""
        self.purpose = str(form.meta.csrf_context)
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        """Return a fresh signed token for this purpose."""
        return str(_serializer().dumps(self.purpose))

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        """Refuse a token that is missing, forged, for another purpose or too old."""
        max_age = current_app.config.get("PATIENT_CSRF_MAX_AGE", DEFAULT_MAX_AGE)
        try:
            purpose = _serializer().loads(str(field.data or ""), max_age=max_age)
        except BadSignature:
            raise ValidationError("The form token is missing, wrong or too old.") from None
        if not hmac.compare_digest(str(purpose).encode(), self.purpose.encode()):
            raise ValidationError("The form token is for another form.")


class DraftForm(FlaskForm):
    """A form posted inside a draft; pass meta={'csrf_context': draft_id}."""

    class Meta:
        csrf_class = DraftCSRF


class SignedForm(FlaskForm):
    """A form posted before there is a draft; pass meta={'csrf_context': purpose}."""

    class Meta:
        csrf_class = SignedCSRF


def csrf_failed(form: FlaskForm) -> bool:
    """Return whether the form's CSRF check failed (after validate())."""
    field = getattr(form, "csrf_token", None)
    return bool(field is not None and field.errors)
