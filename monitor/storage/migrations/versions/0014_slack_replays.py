"""Slack interaction requests already seen, kept until their timestamp window closes

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_seen_requests",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_index("ix_slack_seen_requests_expires_at", "slack_seen_requests", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_seen_requests_expires_at", table_name="slack_seen_requests")
    op.drop_table("slack_seen_requests")
