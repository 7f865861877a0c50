"""query tables: pinyin name keys, contributions ledger, payments, account openings

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SORT_KEY = sa.String(240).with_variant(sa.String(240, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "person_name_keys",
        sa.Column("person_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("sort_key", SORT_KEY, nullable=False),
    )
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("employer_id", sa.Integer, nullable=False),
        sa.Column("insurance", sa.String(3), nullable=False),
        sa.Column("month", sa.String(6), nullable=False),
        sa.Column("base", sa.Numeric(12, 2), nullable=False),
        sa.Column("employer_amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("employee_amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_contributions_month", "contributions", ["month", "employer_id"])
    op.create_index("ix_contributions_person", "contributions", ["person_id", "month"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("employer_id", sa.Integer, nullable=False),
        sa.Column("month", sa.String(6), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "ux_payments_receipt", "payments", ["employer_id", "month", "paid_on", "amount"], unique=True
    )
    op.create_table(
        "account_openings",
        sa.Column("person_id", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("balance", sa.Numeric(14, 2), nullable=False),
        sa.Column("entered_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("account_openings")
    op.drop_index("ux_payments_receipt", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_contributions_person", table_name="contributions")
    op.drop_index("ix_contributions_month", table_name="contributions")
    op.drop_table("contributions")
    op.drop_table("person_name_keys")
