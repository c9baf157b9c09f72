"""Logging for the command line and the service: one handler, Beijing time, quiet libraries."""

from __future__ import annotations

import logging
import sys
from datetime import datetime

from monitor.clock import BEIJING

# Libraries whose INFO lines are for their developers, not for a duty officer.
QUIET = (
    "apscheduler",
    "scrapy",
    "twisted",
    "asyncio",
    "alembic",
    "filelock",
    "urllib3",
    "httpx",
    "slack_sdk",
    "uvicorn",
    "py.warnings",
    "tldextract",
    "protego",
)


class BeijingFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


class QuietLibraries(logging.Filter):
    """Drops libraries' records below WARNING at the handler, so that a library resetting
    its own logger levels (Scrapy's configure_logging does) cannot flood the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(record.name == q or record.name.startswith(q + ".") for q in QUIET)


def setup_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(BeijingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(QuietLibraries())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
