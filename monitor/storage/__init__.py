"""Storage: SQLAlchemy models, the engine, sessions and migrations."""
