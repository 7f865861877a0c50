"""养老个人帐户对帐单: a person's pension personal account for one year.

Credits are the booked employee pension contributions (8 % of the base) per month, from
every employer. Interest, monthly-product method at the year's 记账利率 r:
    interest = opening × r + Σ credit_m × (13 − m) / 12 × r, rounded half up to the fen;
closing = opening + credits + interest. The opening is an entered balance
(`account_openings`, for years before the system's data) or the previous year's closing,
computed forward from the earliest year with an entered balance or a credit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.models import Person
from registry.policy import interest_rates
from registry.query_models import AccountOpening, Contribution

FEN = Decimal("0.01")
PENSION = "110"


class StatementError(Exception):
    """A statement that cannot be computed (a missing interest rate); message in Chinese."""


class MissingRate(StatementError):
    """A year on the way has no entered 记账利率 (the operator enters it)."""

    def __init__(self, year: int) -> None:
        super().__init__(f"{year} 年的记账利率尚未录入, 无法计算利息。请先用「shebao policy interest --year {year} --rate 利率」录入。")  # fmt: skip
        self.year = year


@dataclass(frozen=True)
class MonthCredit:
    """One month's base and credit."""

    month: str
    base: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Statement:
    """One year of the account."""

    person_id: str
    year: int
    opening: Decimal
    credits: Decimal
    interest: Decimal
    closing: Decimal
    rate: Decimal
    months: list[MonthCredit]

    def as_json(self) -> dict[str, object]:
        """The `shebao statement --json` shape (amounts as strings to the fen)."""
        return {
            "opening": str(self.opening), "credits": str(self.credits),
            "interest": str(self.interest), "closing": str(self.closing), "rate": str(self.rate),
            "months": [{"month": m.month, "base": str(m.base), "credit": str(m.credit)} for m in self.months],
        }  # fmt: skip


def _dec(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Account:
    """What a person's account is computed from: entered opening balances by year and the
    credited months by year (in order)."""

    entered: dict[int, Decimal] = field(default_factory=dict)
    months: dict[int, list[MonthCredit]] = field(default_factory=dict)

    def first_year(self) -> int | None:
        """The earliest year with an entered balance or a credit."""
        years = [*self.entered, *self.months]
        return min(years) if years else None


def load_accounts(session: Session, person_ids: Collection[str] | Select) -> dict[str, Account]:
    """The accounts of `person_ids` (a list, or a SELECT of ID numbers) in two statements
    whatever their number: the entered balances and every credited month."""
    out: dict[str, Account] = {}
    o = AccountOpening
    for pid, year, balance in session.execute(
        select(o.person_id, o.year, o.balance).where(o.person_id.in_(person_ids))
    ):
        out.setdefault(pid, Account()).entered[year] = _dec(balance)
    c = Contribution
    rows = session.execute(
        select(c.person_id, c.month, func.sum(c.base), func.sum(c.employee_amount))
        .where(c.person_id.in_(person_ids), c.insurance == PENSION)
        .group_by(c.person_id, c.month)
        .order_by(c.person_id, c.month)
    )
    for pid, month, base, credit in rows:
        m = MonthCredit(month, _dec(base), _dec(credit))
        if m.credit or m.base:
            out.setdefault(pid, Account()).months.setdefault(int(month[:4]), []).append(m)
    return out


def interest_of(
    opening: Decimal, months: list[MonthCredit], rate: Decimal, until: int = 13
) -> Decimal:
    """Interest by the monthly-product method up to month `until` (13: the whole year),
    to the fen: opening × r × (until − 1) / 12 + Σ credit_m × (until − m) / 12 × r, over
    the months before `until`."""
    weighted = sum(
        (m.credit * (until - int(m.month[4:])) for m in months if int(m.month[4:]) < until),
        Decimal(0),
    )
    return (opening * rate * (until - 1) / 12 + weighted * rate / 12).quantize(
        FEN, rounding=ROUND_HALF_UP
    )


def roll_forward(account: Account, year: int, rate_of: Callable[[int], Decimal]) -> Statement:
    """The statement of `year` (person id left blank), each year's opening the entered
    balance or the year before's closing, from the account's first year."""
    first = account.first_year()
    start = year if first is None or first > year else first
    balance = Decimal(0).quantize(FEN)
    opening, months, rate = balance, [], Decimal(0)
    credits = interest = Decimal(0).quantize(FEN)
    for y in range(start, year + 1):
        opening = account.entered.get(y, balance)
        months = account.months.get(y, [])
        rate = rate_of(y)
        credits = sum((m.credit for m in months), Decimal(0)).quantize(FEN)
        interest = interest_of(opening, months, rate)
        balance = opening + credits + interest
    return Statement("", year, opening, credits, interest, balance, rate, months)


def _registered(session: Session, person_id: str) -> None:
    """A StatementError naming the (masked) number when no such person is registered: an
    account of nobody is a typing error, not a balance of zero."""
    from registry.queries.listing import mask_id  # the lists import this module

    if session.get(Person, person_id) is None:
        raise StatementError(f"证件号码 {mask_id(person_id)} 未登记, 请核对后重新输入。")


def statement(session: Session, person_id: str, year: int) -> Statement:
    """The account statement of `person_id` for `year` (see the module doc); every year
    on the way needs its entered 记账利率."""
    _registered(session, person_id)
    account = load_accounts(session, [person_id]).get(person_id, Account())
    rates = interest_rates(session)

    def rate_of(y: int) -> Decimal:
        if y not in rates:
            raise MissingRate(y)
        return rates[y]

    return replace(roll_forward(account, year, rate_of), person_id=person_id)


@dataclass(frozen=True)
class EmployerView:
    """What one employer may see of a statement: the months credited there (its bases
    and credits) and the sum credited at other employers in the year."""

    months: list[MonthCredit]
    elsewhere: Decimal


def employer_view(session: Session, s: Statement, employer_id: int) -> EmployerView:
    """The statement `s` as employer `employer_id` may see it (one statement): another
    employer's wages are not shown to it, only what they credited, summed."""
    c = Contribution
    rows = session.execute(
        select(c.month, func.sum(c.base), func.sum(c.employee_amount))
        .where(c.person_id == s.person_id, c.employer_id == employer_id, c.insurance == PENSION)
        .where(c.month >= f"{s.year}01", c.month <= f"{s.year}12")
        .group_by(c.month)
        .order_by(c.month)
    )
    own = [MonthCredit(m, _dec(b), _dec(credit)) for m, b, credit in rows]
    own = [m for m in own if m.credit or m.base]
    return EmployerView(own, s.credits - sum((m.credit for m in own), Decimal(0)))


def set_opening(session: Session, person_id: str, year: int, balance: Decimal) -> None:
    """Enter (or correct) the opening balance of `year` for a person."""
    if not balance.is_finite() or balance < 0:
        raise StatementError("期初余额应为不小于 0 的金额。")
    _registered(session, person_id)
    row = session.get(AccountOpening, (person_id, year)) or AccountOpening(
        person_id=person_id, year=year
    )
    row.balance = balance.quantize(FEN, rounding=ROUND_HALF_UP)
    session.add(row)
