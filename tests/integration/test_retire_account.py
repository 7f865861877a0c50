"""The pension account at retirement (退休人员档案) against hand-worked cases, on SQLite
and PostgreSQL: the year before's closing, the credits before the retirement month and
part-year interest up to it; a year without an entered 记账利率 on the latest one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from registry.assess import assess_month
from registry.models import Enrolment
from registry.policy import interest_rates, set_interest
from registry.queries import LISTS
from registry.queries.listing import Params
from registry.retire_account import Rates, balance_at
from registry.statement import Account, MissingRate, MonthCredit, interest_of, load_accounts
from registry.uow import UnitOfWork
from tests.registry_data import bulk_persons, id_number, person

pytestmark = pytest.mark.integration

RETIREE = id_number(3, "19760410", male=False)  # a woman worker, 50 at 2026-04


def _retiring_in_april_2026(db_url, employer_id) -> None:
    """Insured from 202501 at 6,000 (480 a month to the account), stopped 202604 for 退休."""
    with UnitOfWork.for_url(db_url) as uow:
        s = uow.session
        bulk_persons(s, employer_id, [person(RETIREE, "陈静", gender="女")],
                     start_month="202501", base="6000")  # fmt: skip
        s.execute(update(Enrolment).where(Enrolment.person_id == RETIREE)
                  .values(status="stopped", end_month="202604", stop_reason="退休"))  # fmt: skip
        for month in [f"2025{m:02d}" for m in range(1, 13)] + ["202601", "202602", "202603"]:
            assess_month(s, month)
        uow.commit()


def test_interest_up_to_a_month():
    months = [MonthCredit(f"2024{m:02d}", Decimal(5000), Decimal(400)) for m in range(1, 13)]
    rate = Decimal("0.0262")
    assert interest_of(Decimal(10000), months, rate, until=13) == interest_of(
        Decimal(10000), months, rate
    )
    assert interest_of(Decimal(10000), months, rate, until=1) == 0
    # Until July: 10,000 × r × 6 / 12 = 131.00; 400 × (6+5+4+3+2+1) / 12 × r = 18.34.
    assert interest_of(Decimal(10000), months, rate, until=7) == Decimal("149.34")


def test_an_april_retirement_in_a_year_without_a_rate(db_url, employer_id):
    """2025 at 1.50 %: 12 × 480 = 5,760.00 + 480 × 78 / 12 × 1.5 % (46.80) = 5,806.80.
    2026 has no rate: 1.50 % stands in. Up to April (R = 4): 3 × 480 = 1,440.00 credited;
    5,806.80 × 1.5 % × 3 / 12 = 21.7755, 480 × (3 + 2 + 1) / 12 × 1.5 % = 3.60, 25.3755 →
    25.38; 5,806.80 + 1,440.00 + 25.38 = 7,272.18. 50岁0个月 → 195: 37.2932 → 37.29."""
    _retiring_in_april_2026(db_url, employer_id)
    with UnitOfWork.for_url(db_url) as uow:
        rates = Rates(interest_rates(uow.session))
        assert 2026 not in rates.entered, "a test left a 2026 rate behind"
        account = load_accounts(uow.session, [RETIREE])[RETIREE]
        result = balance_at(account, "202604", rates)
        assert (result.balance, result.rate, result.borrowed) == (
            Decimal("7272.18"), Decimal("0.015"), (2026,))  # fmt: skip
        (row,) = LISTS["retirees"].rows(uow.session, employer_id, Params())
    assert (row["balance"], row["pension"], row["age"]) == (
        Decimal("7272.18"), Decimal("37.29"), "50岁0个月")  # fmt: skip
    assert row["rate"] == "1.50%(2026 年未录入, 暂按 2025 年)"
    assert row["years"] == Decimal("1.3")  # 15 months: 1.25, half up


def test_an_entered_rate_replaces_the_stand_in(db_url, employer_id, policy_restored):
    """With 2026 at 2.00 %: 5,806.80 × 2 % × 3 / 12 = 29.034 + 480 × 6 / 12 × 2 % = 4.80,
    33.834 → 33.83; 5,806.80 + 1,440.00 + 33.83 = 7,280.63."""
    _retiring_in_april_2026(db_url, employer_id)
    with UnitOfWork.for_url(db_url) as uow:
        set_interest(uow.session, 2026, Decimal("0.02"))
        uow.commit()
        (row,) = LISTS["retirees"].rows(uow.session, employer_id, Params())
    assert (row["balance"], row["rate"], row["rate_borrowed"]) == (
        Decimal("7280.63"), "2.00%", ())  # fmt: skip


def test_january_retirement_is_the_year_before_closing():
    months = {
        2025: [MonthCredit(f"2025{m:02d}", Decimal(6000), Decimal(480)) for m in range(1, 13)]
    }
    result = balance_at(Account(months=months), "202601", Rates({2025: Decimal("0.015")}))
    assert result.balance == Decimal("5806.80")


def test_a_gap_in_the_rates_is_not_filled():
    months = {2024: [MonthCredit("202401", Decimal(6000), Decimal(480))]}
    rates = Rates({2024: Decimal("0.0262"), 2026: Decimal("0.02")})
    with pytest.raises(MissingRate) as raised:
        balance_at(Account(months=months), "202506", rates)
    assert raised.value.year == 2025
