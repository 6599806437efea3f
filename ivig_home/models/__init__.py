"""The tables of ivig_home: agencies and staff, drafts and submissions, patients, reviews,
audit, webhooks."""

from ivig_home.models.agency import Agency, ApiToken, StaffUser
from ivig_home.models.audit import AUDIT_ACTIONS, AuditEntry
from ivig_home.models.intake import Draft, IssuedPdf, Submission
from ivig_home.models.patients import (
    Attempt,
    Invitation,
    InvitationLink,
    Patient,
    PatientSubmission,
)
from ivig_home.models.review import DISPOSITIONS, FlagReview, ReviewedPdf, ReviewReopening
from ivig_home.models.webhooks import WebhookDelivery

__all__ = [
    "AUDIT_ACTIONS", "DISPOSITIONS", "Agency", "ApiToken", "Attempt", "AuditEntry", "Draft",
    "FlagReview", "Invitation", "InvitationLink", "IssuedPdf", "Patient", "PatientSubmission",
    "ReviewReopening", "ReviewedPdf", "StaffUser", "Submission", "WebhookDelivery",
]

