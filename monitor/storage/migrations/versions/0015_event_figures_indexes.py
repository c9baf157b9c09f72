"""mentions indexed for an event's figures: its counts and hourly trend from one index,
its most engaged posts from another (monitor/storage/figures.py)

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_mentions_event_figures",
        "mentions",
        ["event_id", "published_at", "fetched_at", "negative", "kind"],
    )
    op.create_index(
        "ix_mentions_event_engagement",
        "mentions",
        ["event_id", sa.text("(reposts + comments + likes)")],
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_event_engagement", table_name="mentions")
    op.drop_index("ix_mentions_event_figures", table_name="mentions")
