"""The tables of ivig_home: agencies and staff, drafts and submissions, reviews, logs."""

from .agency import Agency, ApiToken, StaffUser
from .intake import Draft, IssuedPdf, Submission
from .log import AUDIT_ACTIONS, AuditEntry, WebhookDelivery
from .review import DISPOSITIONS, FlagReview, ReviewedPdf, ReviewReopening

__all__ = [
    "AUDIT_ACTIONS", "DISPOSITIONS", "Agency", "ApiToken", "AuditEntry", "Draft", "FlagReview",
    "IssuedPdf", "ReviewReopening", "ReviewedPdf", "StaffUser", "Submission", "WebhookDelivery",
]

