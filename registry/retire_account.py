"""The pension personal account at retirement (退休人员档案).

Contributions stop with the retirement month R of year Y (the 停保年月: the first month
not insured), so the balance is taken there, not at the year's closing:

    balance = opening of Y (the closing of Y − 1, or the balance entered for Y)
            + the credits of Y for the months before R
            + opening × r × (R − 1) / 12 + Σ credit_m × (R − m) / 12 × r   (m < R)

the monthly-product interest of `registry.statement` run up to R (R = 13 would be the
whole year), rounded half up to the fen. r is each year's 记账利率. A year after the latest
entered one uses the latest rate until the operator enters its own (as base limits do for
a year not yet published), and the result names the years so computed so the list can
say so; a year missing before the latest (a gap) is a MissingRate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from registry.statement import FEN, Account, MissingRate, interest_of, roll_forward


@dataclass(frozen=True)
class Rates:
    """The entered 记账利率 by year, with the latest standing in for later years."""

    entered: dict[int, Decimal]

    @property
    def latest(self) -> int | None:
        """The latest year with an entered rate."""
        return max(self.entered) if self.entered else None

    def borrows(self, year: int) -> bool:
        """Whether `year` is after the latest entered one (its rate is the latest's)."""
        return year not in self.entered and self.latest is not None and year > self.latest

    def of(self, year: int) -> Decimal:
        """The rate used for `year` (MissingRate when there is none to use)."""
        if year in self.entered:
            return self.entered[year]
        if self.latest is not None and year > self.latest:
            return self.entered[self.latest]
        raise MissingRate(year)


@dataclass(frozen=True)
class AtRetirement:
    """The balance at retirement, the rate of the retirement year, and the years whose
    rate was not entered and the latest was used for."""

    balance: Decimal
    rate: Decimal
    borrowed: tuple[int, ...]


def balance_at(account: Account, month: str, rates: Rates) -> AtRetirement:
    """The account of a person retiring in `month` (YYYYMM) (see the module doc)."""
    year, stop = int(month[:4]), int(month[4:])
    first = account.first_year()
    prior = Decimal(0).quantize(FEN)
    if first is not None and first < year:
        prior = roll_forward(account, year - 1, rates.of).closing
    opening = account.entered.get(year, prior)
    months = [m for m in account.months.get(year, []) if int(m.month[4:]) < stop]
    rate = rates.of(year)
    credits = sum((m.credit for m in months), Decimal(0)).quantize(FEN)
    balance = opening + credits + interest_of(opening, months, rate, until=stop)
    start = year if first is None else min(first, year)
    borrowed = tuple(y for y in range(start, year + 1) if rates.borrows(y))
    return AtRetirement(balance, rate, borrowed)
