"""The written-out list of command modules; importing one registers its commands."""

import monitor.cli.collect  # noqa: F401  sources, extract, intake
import monitor.cli.mentions  # noqa: F401  mention show
import monitor.cli.routing  # noqa: F401  route (one text or a CSV)
import monitor.cli.scoring  # noqa: F401  sentiment …, rules test, backtest
import monitor.cli.workflow  # noqa: F401  case …, commitments
from monitor.cli import (
    alerts,  # noqa: F401, E402  alerts list, alerts send
    core,  # noqa: F401  init, run, crawl, analyse, events, due
    reports,  # noqa: F401  digest, report, assess, messages
    users,  # noqa: F401  user add, user passwd, user slack
)
