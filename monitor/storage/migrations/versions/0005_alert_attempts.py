"""alert delivery attempts

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("retry", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_alert_attempts_alert_id", ["alert_id"], unique=False)
        batch_op.create_index("ix_alert_attempts_channel_at", ["channel", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("alert_attempts")
