"""The written-out list of command modules; importing one registers its commands."""

from monitor.cli import core  # noqa: F401  init, run, crawl, analyse, events, digest, due, users
from monitor.cli import alerts  # noqa: F401, E402  alerts list, alerts send
