"""officers' re-assignments of events to another department (routing learns from them)

Self-contained: one new table, nothing else touched, so that a migration another branch
adds beside it can be renumbered after it (or before it) by changing down_revision alone.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("from_department", sa.String(length=64), nullable=True),
        sa.Column("to_department", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", monitor.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("routing_corrections", schema=None) as batch_op:
        batch_op.create_index("ix_routing_corrections_event_id", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_table("routing_corrections")
