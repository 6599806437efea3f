"""Intake: drafts, submissions, issuing a submission's PDF, and the signals they send."""
