"""Tables of the query modules: pinyin sort keys of names, assessed contributions (a
ledger: corrections are rows of their own), bank payments and entered opening balances
of the pension personal account. Imported by `registry.models`, so one metadata holds all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models import Base, utcnow

# Byte order on PostgreSQL: a locale collation would skip the spaces between syllables.
SORT_KEY = String(240).with_variant(String(240, collation="C"), "postgresql")


class PersonNameKey(Base):
    """The pinyin sort key of a person's name, with the name it was computed from (a key
    whose name no longer matches the person's is stale and recomputed)."""

    __tablename__ = "person_name_keys"
    person_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    sort_key: Mapped[str] = mapped_column(SORT_KEY)


class Contribution(Base):
    """One assessment entry of a person, employer, insurance and month.

    A ledger: the first assessment of a month writes kind `assessed`; a re-run that finds
    a different amount writes the difference as kind `correction`. The sum of a key's
    rows is what is due; every column of amounts (base included) holds a difference.
    """

    __tablename__ = "contributions"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str] = mapped_column(String(32))
    employer_id: Mapped[int] = mapped_column(Integer)
    insurance: Mapped[str] = mapped_column(String(3))
    month: Mapped[str] = mapped_column(String(6))
    base: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    employer_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    employee_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    kind: Mapped[str] = mapped_column(String(12))  # assessed | correction
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        Index("ix_contributions_month", "month", "employer_id"),
        Index("ix_contributions_person", "person_id", "month"),
    )


class Payment(Base):
    """A bank receipt: what an employer paid for a month, and when."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        # The same receipt imported twice is recognised, not counted twice.
        Index("ux_payments_receipt", "employer_id", "month", "paid_on", "amount", unique=True),
    )


class AccountOpening(Base):
    """An opening balance of the pension personal account entered by the operator (for
    years before the system's own data start)."""

    __tablename__ = "account_openings"
    person_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
