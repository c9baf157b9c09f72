"""kept counts: events' and topics' mentions per minute, events' sources (storage/counts.py),
filled from the mentions already stored

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_minute_counts",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "minute"),
    )
    op.create_table(
        "topic_minute_counts",
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("minute", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("topic", "minute"),
    )
    op.create_table(
        "event_sources",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("event_id", "source_id"),
    )
    from monitor.storage import counts  # the same recount the code checks itself against

    counts.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("event_sources")
    op.drop_table("topic_minute_counts")
    op.drop_table("event_minute_counts")
