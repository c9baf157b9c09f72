"""sentiment labels and event edits

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sentiment_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sentiment_labels", schema=None) as batch_op:
        batch_op.create_index("ix_sentiment_labels_mention_id", ["mention_id"], unique=False)
    op.create_table(
        "event_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event_edits", schema=None) as batch_op:
        batch_op.create_index("ix_event_edits_event_id", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_table("event_edits")
    op.drop_table("sentiment_labels")
