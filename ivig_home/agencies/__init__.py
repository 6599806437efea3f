"""Agencies: their settings, logos, colours and API tokens."""
