"""the console's case page: each redaction keeps the text it was made on, so the marked
diff (<del>/<ins>) can be shown later exactly as the confidentiality officer made it

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("redactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_before", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("redactions", schema=None) as batch_op:
        batch_op.drop_column("text_before")
