"""Shared test helpers: databases, config copies, fixed clocks."""
