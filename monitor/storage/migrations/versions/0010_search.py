"""mention full-text search (FTS5 on SQLite, a GIN index on PostgreSQL)

The index (monitor/search/index.py) is created and filled with the mentions already
stored, a batch at a time, in this migration's transaction. NB: a later
batch_alter_table("mentions") on SQLite rebuilds the table and drops its trigger
`mentions_search_forget` (a deleted mention leaving the index): create it again after one.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from monitor.search import index

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    index.create(conn)
    index.backfill(conn)


def downgrade() -> None:
    index.drop(op.get_bind())
