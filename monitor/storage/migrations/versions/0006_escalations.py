"""escalations

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = monitor.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("last_notified_at", UTC, nullable=True),
        sa.Column("acknowledged_at", UTC, nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_escalations_resolved_at", ["resolved_at"], unique=False)


def downgrade() -> None:
    op.drop_table("escalations")
