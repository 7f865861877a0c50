"""preview and undo: what each declaration would change and what it found, undone batches

A declaration records its action (add / change / unchanged / rejected), the values it
changes as [column, old, new], and the registry's values before it was applied (its
before-image, which undo restores). A batch records its undo: who, when, how far, what.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as table:
        table.add_column(sa.Column("action", sa.String(10), nullable=True))
        table.add_column(sa.Column("changes", sa.JSON(), nullable=True))
        table.add_column(sa.Column("before", sa.JSON(), nullable=True))
    with op.batch_alter_table("batches") as table:
        table.add_column(sa.Column("undo_status", sa.String(10), nullable=True))
        table.add_column(sa.Column("undone_by", sa.String(40), nullable=True))
        table.add_column(sa.Column("undone_at", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("undo_result", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as table:
        for column in ("undo_result", "undone_at", "undone_by", "undo_status"):
            table.drop_column(column)
    with op.batch_alter_table("declarations") as table:
        for column in ("before", "changes", "action"):
            table.drop_column(column)
