"""look-up tables for grouping and spikes (event terms, mention topics, mention indexes);
mentions' grouping terms, for mentions scored as they were stored

Revision ID: 0008
Revises: 0007
"""

import json

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    # (first: SQLite may rebuild the table for it, and a rebuild loses expression indexes)
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms", sa.JSON(), nullable=True))
    op.create_table(
        "event_terms",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "term"),
    )
    op.create_index("ix_event_terms_term", "event_terms", ["term", "event_id"])
    op.create_table(
        "mention_topics",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("seen_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "topic"),
    )
    op.create_index("ix_mention_topics_topic_seen", "mention_topics", ["topic", "seen_at"])
    op.create_index(
        "ix_mentions_event_seen",
        "mentions",
        ["event_id", sa.text("coalesce(published_at, fetched_at)")],
    )
    op.create_index("ix_mentions_event_source", "mentions", ["event_id", "source_id"])
    # NB: a later batch_alter_table("mentions") on SQLite rebuilds the table and drops the
    # expression index above (SQLAlchemy cannot reflect it): create it again after one.
    _fill()


def _fill() -> None:
    """Entries for what is already stored, read in batches (a year of mentions is large)."""
    conn = op.get_bind()
    terms = sa.table("event_terms", sa.column("event_id"), sa.column("term"))
    rows = [
        {"event_id": i, "term": t[:100]}
        for i, raw in conn.execute(sa.text("SELECT id, terms FROM events"))
        for t in dict.fromkeys(_list(raw))
    ]
    for n in range(0, len(rows), BATCH):
        conn.execute(sa.insert(terms), rows[n : n + BATCH])
    topics = sa.table(
        "mention_topics", sa.column("mention_id"), sa.column("topic"), sa.column("seen_at")
    )
    last = 0
    while True:
        batch = conn.execute(
            sa.text(
                "SELECT id, topics, coalesce(published_at, fetched_at) FROM mentions"
                " WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not batch:
            break
        last = batch[-1][0]
        rows = [
            {"mention_id": i, "topic": t[:200], "seen_at": seen}
            for i, raw, seen in batch
            for t in dict.fromkeys(_list(raw))
        ]
        if rows:
            conn.execute(sa.insert(topics), rows)


def _list(raw: object) -> list[str]:
    """A JSON list column as read without its type: text on SQLite, a list on PostgreSQL."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    return [str(v) for v in value or []]


def downgrade() -> None:
    op.drop_index("ix_mentions_event_source", table_name="mentions")
    op.drop_index("ix_mentions_event_seen", table_name="mentions")
    op.drop_table("mention_topics")
    op.drop_table("event_terms")
    # ALTER TABLE … DROP COLUMN on both databases (SQLite ≥ 3.35): rebuilding `mentions`
    # the batch way would trip over the tables that refer to it
    op.drop_column("mentions", "terms")
