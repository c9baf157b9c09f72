"""Alerts: the outbox, the dispatcher, and one module per channel."""
