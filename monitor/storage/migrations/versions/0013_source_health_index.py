"""mentions indexed by source and fetch time: source health without reading every mention

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mentions_source_fetched", "mentions", ["source_id", "fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_mentions_source_fetched", table_name="mentions")
