"""a batch's issues counted when it is recorded

The batch page charts errors per column and counts what its filters match; on a sheet
whose every row is wrong that was a GROUP BY and two counts over 100,000 issues at every
visit. The batch now keeps [column, letter, severity, code, count] for its issues, written
with them (None for batches recorded before: their pages count as before). And the issue
list is paged by an index in its own order (whole-file issues first, then by row), where
the old (batch, row) index left PostgreSQL to sort the whole batch for every page.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as table:
        table.add_column(sa.Column("issue_counts", sa.JSON(), nullable=True))
    op.drop_index("ix_issues_batch_row", table_name="batch_issues")
    op.create_index(
        "ix_issues_batch_order",
        "batch_issues",
        ["batch_id", sa.text("coalesce(excel_row, 0)"), "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_issues_batch_order", table_name="batch_issues")
    op.create_index("ix_issues_batch_row", "batch_issues", ["batch_id", "excel_row"])
    with op.batch_alter_table("batches") as table:
        table.drop_column("issue_counts")
