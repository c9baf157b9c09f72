"""workflow: judgments, consultation opinions, drafts with three-level review and
redactions, case actions that meet clocks, disposal obligations, commitments ledger

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = monitor.storage.models.UTCDateTime(timezone=True)
TABLES = (
    "judgments",
    "consultation_opinions",
    "drafts",
    "review_steps",
    "redactions",
    "case_actions",
    "disposal_obligations",
    "commitments",
)


def upgrade() -> None:
    op.create_table(
        "judgments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("nature", sa.Text(), nullable=False),
        sa.Column("disposal_class", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("grade_override_reason", sa.Text(), nullable=True),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("drafted_by", sa.String(length=100), nullable=False),
        sa.Column("drafted_at", UTC, nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("judgments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_judgments_event_id"), ["event_id"], unique=False)
    op.create_table(
        "consultation_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consultation_opinions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_opinions_event_id"), ["event_id"], unique=False
        )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("published_at", UTC, nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drafts_event_id"), ["event_id"], unique=False)
    op.create_table(
        "review_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("publisher", sa.String(length=100), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_steps_draft_id"), ["draft_id"], unique=False)
    op.create_table(
        "redactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Text(), nullable=False),
        sa.Column("replacement", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("from_revision", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("redactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redactions_draft_id"), ["draft_id"], unique=False)
    op.create_table(
        "case_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("clocks_met", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_actions_event_id"), ["event_id"], unique=False)
    op.create_table(
        "disposal_obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("judgment_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("by", sa.String(length=20), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("fallback_calendar", sa.Boolean(), nullable=False),
        sa.Column("fulfilled_at", UTC, nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("breached_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["case_actions.id"]),
        sa.ForeignKeyConstraint(["judgment_id"], ["judgments.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disposal_obligations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disposal_obligations_event_id"), ["event_id"], unique=False
        )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("fulfilled_at", UTC, nullable=True),
        sa.Column("fulfilment_draft_id", sa.Integer(), nullable=True),
        sa.Column("breached_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.ForeignKeyConstraint(["fulfilment_draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitments_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitments_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
