"""Alerts the metrics service announces (indicators off track and back), through its own outbox."""
