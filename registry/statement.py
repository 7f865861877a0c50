"""养老个人帐户对帐单: a person's pension personal account for one year.

Credits are the booked employee pension contributions (8 % of the base) per month, from
every employer. Interest, monthly-product method at the year's 记账利率 r:
    interest = opening × r + Σ credit_m × (13 − m) / 12 × r, rounded half up to the fen;
closing = opening + credits + interest. The opening is an entered balance
(`account_openings`, for years before the system's data) or the previous year's closing,
computed forward from the earliest year with an entered balance or a credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Person, PolicyInterest
from registry.query_models import AccountOpening, Contribution

FEN = Decimal("0.01")
PENSION = "110"


class StatementError(Exception):
    """A statement that cannot be computed (a missing interest rate); message in Chinese."""


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


def month_credits(session: Session, person_id: str, year: int) -> list[MonthCredit]:
    """The months of `year` with a pension contribution booked, in order."""
    c = Contribution
    rows = session.execute(
        select(c.month, func.sum(c.base), func.sum(c.employee_amount))
        .where(c.person_id == person_id, c.insurance == PENSION)
        .where(c.month >= f"{year}01", c.month <= f"{year}12")
        .group_by(c.month)
        .order_by(c.month)
    )
    out = [MonthCredit(m, _dec(b), _dec(credit)) for m, b, credit in rows]
    return [m for m in out if m.credit or m.base]


def interest_of(opening: Decimal, months: list[MonthCredit], rate: Decimal) -> Decimal:
    """The year's interest by the monthly-product method, to the fen."""
    weighted = sum((m.credit * (13 - int(m.month[4:])) for m in months), Decimal(0))
    return (opening * rate + weighted * rate / 12).quantize(FEN, rounding=ROUND_HALF_UP)


def _first_year(session: Session, person_id: str) -> int | None:
    entered = session.scalar(
        select(func.min(AccountOpening.year)).where(AccountOpening.person_id == person_id)
    )
    credited = session.scalar(
        select(func.min(Contribution.month)).where(
            Contribution.person_id == person_id, Contribution.insurance == PENSION
        )
    )
    years = [y for y in (entered, int(credited[:4]) if credited else None) if y is not None]
    return min(years) if years else None


def _rate(session: Session, year: int) -> Decimal:
    rate = session.scalar(select(PolicyInterest.rate).where(PolicyInterest.year == year))
    if rate is None:
        raise StatementError(f"{year} 年的记账利率尚未录入, 无法计算利息。请先用「shebao policy interest --year {year} --rate 利率」录入。")  # fmt: skip
    return Decimal(str(rate)).normalize()


def _registered(session: Session, person_id: str) -> None:
    """A StatementError naming the (masked) number when no such person is registered: an
    account of nobody is a typing error, not a balance of zero."""
    from registry.queries.listing import mask_id  # the lists import this module

    if session.get(Person, person_id) is None:
        raise StatementError(f"证件号码 {mask_id(person_id)} 未登记, 请核对后重新输入。")


def statement(session: Session, person_id: str, year: int) -> Statement:
    """The account statement of `person_id` for `year` (see the module doc)."""
    _registered(session, person_id)
    first = _first_year(session, person_id)
    start = year if first is None or first > year else first
    entered = dict(
        session.execute(
            select(AccountOpening.year, AccountOpening.balance).where(
                AccountOpening.person_id == person_id
            )
        ).all()
    )
    balance = Decimal(0).quantize(FEN)
    for y in range(start, year + 1):
        opening = _dec(entered[y]) if y in entered else balance
        months = month_credits(session, person_id, y)
        rate = _rate(session, y)
        credits = sum((m.credit for m in months), Decimal(0)).quantize(FEN)
        interest = interest_of(opening, months, rate)
        balance = opening + credits + interest
    return Statement(person_id, year, opening, credits, interest, balance, rate, months)


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
