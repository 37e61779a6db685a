"""Webhooks out: per-tenant subscriptions, deliveries from the event bus signed per Standard Webhooks, retried
with exponential backoff, logged per subscription, disabled after a long failure streak."""
