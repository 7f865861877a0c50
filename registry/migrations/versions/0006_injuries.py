"""work injuries: reported accidents, their appraisals, the 认定编号 counter

Small tables written by hand-sized sheets and by reviewers' decisions, so they keep their
foreign keys to employers (and appraisals to injuries); like declarations, they point to
their declaration and batch without one.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "injuries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("injury_no", sa.String(length=12), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("accident_date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("body_part", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("hospital", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reviewer", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("injury_no"),
        sa.UniqueConstraint("declaration_id"),
    )
    op.create_index("ix_injuries_person", "injuries", ["person_id", "accident_date"])
    op.create_table(
        "appraisals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("injury_no", sa.String(length=12), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("applied_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("self_care", sa.String(length=12), nullable=True),
        sa.Column("concluded_at", sa.Date(), nullable=True),
        sa.Column("reviewer", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"]),
        sa.ForeignKeyConstraint(["injury_no"], ["injuries.injury_no"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("declaration_id"),
    )
    op.create_index("ix_appraisals_injury_no", "appraisals", ["injury_no"])
    op.create_table(
        "injury_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )


def downgrade() -> None:
    op.drop_table("injury_counters")
    op.drop_index("ix_appraisals_injury_no", table_name="appraisals")
    op.drop_table("appraisals")
    op.drop_index("ix_injuries_person", table_name="injuries")
    op.drop_table("injuries")
