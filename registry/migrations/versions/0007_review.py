"""review desk: approved declarations keep their natural key; the decisions table

The unique index on natural keys now also holds approved declarations, so an approved
row cannot be declared again, while a rejected or withdrawn one releases its key. A
partial index serves the reviewers' queue (pending declarations of every employer). The
natural key becomes text: an employer-change key holds every field of the form.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_HELD = sa.text("status IN ('applied', 'pending_review')")
HELD = sa.text("status IN ('applied', 'pending_review', 'approved')")
PENDING = sa.text("status = 'pending_review'")


def _key_index(where) -> None:
    op.drop_index("ux_declarations_applied_key", table_name="declarations")
    op.create_index(
        "ux_declarations_applied_key",
        "declarations",
        ["natural_key"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # varchar to text needs no table rewrite on PostgreSQL; SQLite ignores lengths.
        op.alter_column("declarations", "natural_key", type_=sa.Text())
    _key_index(HELD)
    op.create_index(
        "ix_declarations_pending",
        "declarations",
        ["created_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_table(
        "declaration_reviews",
        sa.Column("declaration_id", sa.Integer(), primary_key=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("declaration_reviews")
    op.drop_index("ix_declarations_pending", table_name="declarations")
    _key_index(OLD_HELD)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("declarations", "natural_key", type_=sa.String(length=160))
