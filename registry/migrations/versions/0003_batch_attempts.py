"""batch attempts: runs of a batch that started and never ended

A worker process that dies while processing a batch (killed by the system for memory,
or aborted by a library) leaves the count raised; the worker fails a batch that has
killed two processes instead of running it a third time (worker.tasks).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("attempts")
