"""养老个人帐户对帐单 against hand-worked years, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.assess import assess_month
from registry.statement import MonthCredit, StatementError, interest_of, set_opening, statement
from registry.uow import UnitOfWork
from tests.registry_data import bulk_persons, id_number, person

pytestmark = pytest.mark.integration


def test_interest_by_monthly_products():
    # 2024, r 2.62 %: 10,000 × r = 262.00; 400 a month: 400 × 78 / 12 × r = 68.12.
    months = [MonthCredit(f"2024{m:02d}", Decimal(5000), Decimal(400)) for m in range(1, 13)]
    assert interest_of(Decimal(10000), months, Decimal("0.0262")) == Decimal("330.12")


def test_half_year_of_credits_and_the_next_year(db_url, employer_id):
    pid = id_number(0)
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(
            uow.session, employer_id, [person(pid, "张伟")], start_month="202307", base="6000"
        )
        for m in range(7, 13):
            assess_month(uow.session, f"2023{m:02d}")
        uow.commit()
        year = statement(uow.session, pid, 2023)
        # 480 a month from July: 480 × (6+5+4+3+2+1) / 12 × 3.97 % = 33.348 → 33.35.
        assert (year.opening, year.credits, year.interest) == (
            0,
            Decimal("2880.00"),
            Decimal("33.35"),
        )
        assert year.closing == Decimal("2913.35") and year.rate == Decimal("0.0397")
        assert [m.month for m in year.months] == [f"2023{m:02d}" for m in range(7, 13)]
        assert year.as_json()["months"][0] == {
            "month": "202307",
            "base": "6000.00",
            "credit": "480.00",
        }
        # 2024 without credits: 2913.35 × 2.62 % = 76.33 (76.3298).
        nxt = statement(uow.session, pid, 2024)
        assert (nxt.opening, nxt.credits, nxt.interest, nxt.closing) == (
            Decimal("2913.35"), 0, Decimal("76.33"), Decimal("2989.68"))  # fmt: skip


def test_entered_opening_balance(db_url, employer_id):
    pid = id_number(1)
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(uow.session, employer_id, [person(pid, "王芳")], start_month="202612")
        set_opening(uow.session, pid, 2024, Decimal("10000"))
        uow.commit()
        s = statement(uow.session, pid, 2025)
        # 2024: 10,000 + 262.00 = 10,262.00; 2025 at 1.50 %: 153.93.
        assert (s.opening, s.interest, s.closing) == (
            Decimal("10262.00"),
            Decimal("153.93"),
            Decimal("10415.93"),
        )
        with pytest.raises(StatementError, match="2026 年的记账利率尚未录入"):
            statement(uow.session, pid, 2026)


def test_an_unregistered_number_has_no_account(db_url, employer_id):
    """A mistyped ID number is said to be unknown (masked), not shown as an account of 0."""
    pid = id_number(7)
    with UnitOfWork.for_url(db_url) as uow:
        with pytest.raises(StatementError, match=f"证件号码 {pid[:6]}\\*{{8}}{pid[-4:]} 未登记"):
            statement(uow.session, pid, 2024)
        with pytest.raises(StatementError, match="未登记"):
            set_opening(uow.session, pid, 2024, Decimal("100"))


def test_an_empty_account_is_zero_to_the_fen(db_url, employer_id):
    pid = id_number(8)
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(uow.session, employer_id, [person(pid, "李娜")], start_month="202612")
        shown = statement(uow.session, pid, 2024).as_json()
    assert (shown["opening"], shown["credits"], shown["interest"], shown["closing"]) == (
        "0.00", "0.00", "0.00", "0.00")  # fmt: skip
