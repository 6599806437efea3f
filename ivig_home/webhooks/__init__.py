"""Webhooks: the outbox of deliveries, the sender, and the hosts they may go to."""
