"""comments read under posts and articles (评论, 跟帖), and events' comment figures

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("published_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Float(), nullable=True),
        sa.Column("fetched_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mention_id", "key", name="uq_mention_comments_key"),
    )
    with op.batch_alter_table("mention_comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mention_comments_mention_likes", ["mention_id", "likes"], unique=False
        )
    # Plain ALTER TABLE on events (SQLite 3.35 adds and drops columns in place): a batch
    # copy of the table would fail its foreign keys, which every mention points at.
    op.add_column(
        "events", sa.Column("comments_read", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "events", sa.Column("comments_negative", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "events",
        sa.Column("comments_stale", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_events_comments_stale", "events", ["comments_stale"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_comments_stale", table_name="events")
    op.drop_column("events", "comments_stale")
    op.drop_column("events", "comments_negative")
    op.drop_column("events", "comments_read")
    op.drop_table("mention_comments")
