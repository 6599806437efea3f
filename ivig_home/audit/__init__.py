"""The audit log: writing entries and reading them back."""
