"""The ingest pipeline: normalise → dedup → store (crawler side); score → group → case →
deadlines → alert (analysis side). Each stage is one module with a plain interface."""
