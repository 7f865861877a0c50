"""What rules need from outside the sheet: today, and the policy figures in force.

The importer builds a `RuleContext` from the registry's policy tables; tests build one by
hand. Validators read it, never the clock or the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class RetirementRule:
    """One category of the 2025 gradual reform (see DOMAIN.md)."""

    base_age: int
    reform_start_year: int
    months_per_delay: int
    max_delay_months: int


DEFAULT_RETIREMENT: dict[str, RetirementRule] = {
    "male": RetirementRule(60, 1965, 4, 36),
    "female_cadre": RetirementRule(55, 1970, 4, 36),
    "female_worker": RetirementRule(50, 1975, 2, 60),
}


@dataclass(frozen=True)
class RuleContext:
    """Today and the policy figures a sheet is judged by."""

    today: dt.date
    employer_code: str = ""
    backdate_months: int = 12
    min_age: int = 16
    # Days after an accident within which the employer reports it (工伤保险条例 art. 17).
    injury_report_days: int = 30
    base_limits: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    retirement: dict[str, RetirementRule] = field(default_factory=lambda: DEFAULT_RETIREMENT)

    @property
    def this_month(self) -> str:
        """`YYYYMM` of today."""
        return f"{self.today.year}{self.today.month:02d}"

    @property
    def next_month(self) -> str:
        """The latest month a declaration may take effect."""
        return shift_month(self.this_month, 1)

    @property
    def earliest_month(self) -> str:
        """The earliest month a declaration may be back-dated to."""
        return shift_month(self.this_month, -self.backdate_months)

    def limits_for(self, year: int) -> tuple[int, Decimal, Decimal] | None:
        """(year used, floor, cap) for `year`: the latest published year at or before it,
        or the earliest one when `year` predates them all; None when none is published."""
        if not self.base_limits:
            return None
        known = sorted(self.base_limits)
        usable = [y for y in known if y <= year] or known[:1]
        used = usable[-1]
        floor, cap = self.base_limits[used]
        return used, floor, cap


def shift_month(month: str, delta: int) -> str:
    """`YYYYMM` moved by `delta` months."""
    index = int(month[:4]) * 12 + int(month[4:]) - 1 + delta
    return f"{index // 12}{index % 12 + 1:02d}"


def month_label(month: str) -> str:
    """`202611` → `2026年11月`, the way pages and messages show months."""
    if len(month) == 6 and month.isdigit():
        return f"{month[:4]}年{int(month[4:])}月"
    return month
