"""Indexes an event's figures are read by (the case page's spread, sentiment mix and
representative views: monitor/web/case_file.py, monitor/reports/spread.py).

An emergency is one event of tens of thousands of mentions. Counted from the table, each
figure read every row of it (0.5 s an event page at 50,000 mentions, bench/console.py);
from these, the counts and the hourly trend come from an index alone and the most engaged
posts are the first entries of another.
"""

from __future__ import annotations

from sqlalchemy import Index

from monitor.storage.models import Mention

# How much a post was engaged with: what representative views are chosen by.
ENGAGEMENT = Mention.reposts + Mention.comments + Mention.likes

# Covers the sentiment counts, the hourly trend and the propagation path's kinds. Plain
# columns, not SEEN_AT: SQLite before 3.41 cannot read an indexed expression from the index
# (it would look every row up), but computes coalesce(published_at, fetched_at) from it.
Index(
    "ix_mentions_event_figures",
    Mention.event_id,
    Mention.published_at,
    Mention.fetched_at,
    Mention.negative,
    Mention.kind,
)
Index("ix_mentions_event_engagement", Mention.event_id, ENGAGEMENT)
