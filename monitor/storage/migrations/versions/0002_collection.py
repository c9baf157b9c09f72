"""collection: crawl state, mention fingerprints (SimHash, duplicate_of), reporters

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import monitor.storage.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = monitor.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "crawl_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "url", name="uq_crawl_state_source_url"),
    )
    op.create_index("ix_crawl_state_source", "crawl_state", ["source"])
    op.create_table(
        "mention_fingerprints",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("simhash", sa.String(length=16), nullable=False),
        sa.Column("band0", sa.Integer(), nullable=False),
        sa.Column("band1", sa.Integer(), nullable=False),
        sa.Column("band2", sa.Integer(), nullable=False),
        sa.Column("band3", sa.Integer(), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.ForeignKeyConstraint(["duplicate_of_id"], ["mentions.id"]),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    for i in range(4):
        op.create_index(f"ix_fp_band{i}", "mention_fingerprints", [f"band{i}"])
    op.create_index(
        "ix_mention_fingerprints_duplicate_of_id", "mention_fingerprints", ["duplicate_of_id"]
    )
    op.create_table(
        "reporters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("employer", sa.String(length=300), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=100), nullable=False),
        sa.Column("entered_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mention_id"),
    )


def downgrade() -> None:
    op.drop_table("reporters")
    op.drop_index("ix_mention_fingerprints_duplicate_of_id", "mention_fingerprints")
    for i in range(4):
        op.drop_index(f"ix_fp_band{i}", "mention_fingerprints")
    op.drop_table("mention_fingerprints")
    op.drop_index("ix_crawl_state_source", "crawl_state")
    op.drop_table("crawl_state")
