"""The tables of ivig_home: agencies and staff, drafts and submissions, reviews, logs."""

from .agency import Agency, ApiToken, StaffUser
from .intake import Draft, IssuedPdf, Submission
from .log import AUDIT_ACTIONS, AuditEntry, WebhookDelivery
from .review import DISPOSITIONS, FlagReview, ReviewedPdf

__all__ = [
    "AUDIT_ACTIONS", "DISPOSITIONS", "Agency", "ApiToken", "AuditEntry", "Draft", "FlagReview",
    "IssuedPdf", "ReviewedPdf", "StaffUser", "Submission", "WebhookDelivery",
]

