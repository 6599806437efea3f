"""The staff area's forms.

Every staff form posts the session's CSRF token as `csrf_token`; the blueprint checks it
before any view runs (ivig_home.staff.check_csrf), so the forms do not check it again.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ivig_home.report.context import DISPOSITIONS
from ivig_home.staff.accounts import MAX_PASSWORD, MIN_PASSWORD, AccountError, normal_email
from ivig_home.staff.review import NOTE_LIMIT, REASON_LIMIT

PASSWORD_LENGTH = Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
                         message=f"Use at least {MIN_PASSWORD} characters.")


def email_address(_form: FlaskForm, field: StringField) -> None:
    """Refuse something that is not an email address, saying what one looks like."""
    if field.data:
        try:
            field.data = normal_email(field.data)
        except AccountError as error:
            raise ValidationError(str(error)) from None


class StaffForm(FlaskForm):
    """A staff form; its CSRF token is checked once, for every POST, by the blueprint."""

    class Meta:
        csrf = False


class LoginForm(StaffForm):
    """Email and password."""

    email = StringField("Email address", [InputRequired("Enter your email address."),
                                          Length(max=254)])
    password = PasswordField("Password", [InputRequired("Enter your password."),
                                          Length(max=MAX_PASSWORD)])


class DispositionForm(StaffForm):
    """What was done about one flagged item (any of the dispositions), with an optional note.

    Whether a choice is needed depends on the rest of the page (a note, a record already
    made): the review view decides that (ivig_home.staff.review_form).
    """

    disposition = SelectMultipleField(
        "What was done", choices=[SelectChoice(value, label) for value, label in DISPOSITIONS],
        invalid_choice_message="Tick only the boxes shown for this item.")
    note = TextAreaField("Note (optional)", [Optional(), Length(
        max=NOTE_LIMIT, message=f"Keep the note to {NOTE_LIMIT} characters or fewer.")])
    # "1" when the item's boxes were on the page sent: all of them left empty then means the
    # nurse unticked them, not that the item was left out of the post.
    listed = HiddenField()


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ReopenForm(StaffForm):
    """Why a filed review is re-opened: required, kept encrypted with the review."""

    reason = TextAreaField("Reason for re-opening", [
        DataRequired("Enter the reason for re-opening the review."),
        Length(max=REASON_LIMIT,
               message=f"Keep the reason to {REASON_LIMIT} characters or fewer.")],
        filters=[_stripped])


class AddNurseForm(StaffForm):
    """A new nurse of the administrator's agency."""

    name = StringField("Full name (optional)", [Optional(), Length(max=200)])
    email = StringField("Email address", [InputRequired("Enter the nurse's email address."),
                                          email_address])
    password = PasswordField("First password", [InputRequired("Enter a first password."),
                                                PASSWORD_LENGTH])


class PasswordForm(StaffForm):
    """A new password for the signed-in user."""

    current = PasswordField("Current password", [InputRequired("Enter your current password."),
                                                 Length(max=MAX_PASSWORD)])
    new = PasswordField("New password", [InputRequired("Enter a new password."),
                                         PASSWORD_LENGTH])
    confirm = PasswordField("New password again", [
        InputRequired("Enter the new password again."),
        EqualTo("new", "The two new passwords are not the same.")])


class SetPasswordForm(StaffForm):
    """A new password an administrator sets for a nurse who forgot theirs."""

    new = PasswordField("New password", [InputRequired("Enter a new password."),
                                         PASSWORD_LENGTH])
    confirm = PasswordField("New password again", [
        InputRequired("Enter the new password again."),
        EqualTo("new", "The two new passwords are not the same.")])


class SettingsForm(StaffForm):
    """The agency's address for new-submission notices; empty turns them off."""

    notify_email = StringField("Email address for new-submission notices",
                               [Optional(), email_address])
