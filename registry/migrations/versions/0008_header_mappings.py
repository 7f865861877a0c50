"""header mappings remembered per employer, and what a rejected file's page needs

An employer that maps a header of its own sheets to a standard column once (on the batch
page of a file refused for missing columns) has it remembered for its later uploads; a
batch refused as a whole keeps the detail that page needs (missing and unmapped headers).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "header_mappings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employer_id", sa.Integer(), sa.ForeignKey("employers.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(40)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ux_header_mappings", "header_mappings", ["employer_id", "kind", "source"], unique=True
    )
    with op.batch_alter_table("batches") as batch_op:
        batch_op.add_column(sa.Column("error_detail", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.drop_column("error_detail")
    op.drop_index("ux_header_mappings", table_name="header_mappings")
    op.drop_table("header_mappings")
