"""alert audience (roles an alert is meant for) and users' Slack accounts

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        # alerts queued before roles existed were meant for nobody in particular
        batch_op.add_column(
            sa.Column("audience", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slack_user_id", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_users_slack_user_id", ["slack_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_slack_user_id", type_="unique")
        batch_op.drop_column("slack_user_id")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("audience")
