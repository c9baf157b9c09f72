"""reports and their rendered files; mentions indexed by fetch time (the digest's window)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_reports_kind", "reports", ["kind"])
    op.create_index("ix_reports_event_id", "reports", ["event_id"])
    op.create_index("ix_reports_created_at", "reports", ["created_at"])
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "format", name="uq_report_files_format"),
    )
    # the daily digest counts one day of mentions by fetch time
    op.create_index("ix_mentions_fetched_at", "mentions", ["fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_mentions_fetched_at", table_name="mentions")
    op.drop_table("report_files")
    op.drop_index("ix_reports_created_at", table_name="reports")
    op.drop_index("ix_reports_event_id", table_name="reports")
    op.drop_index("ix_reports_kind", table_name="reports")
    op.drop_table("reports")
