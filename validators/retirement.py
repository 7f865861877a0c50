"""Statutory retirement month under the 2025 gradual reform, scalar and vectorised.

idx = (birth year − reform start year)·12 + birth month; delay = 0 if idx ≤ 0 else
min(ceil(idx / k), max); retirement month = birth month + base age years + delay months. Also the minimum
contribution years and the 计发月数 of an age at retirement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from validators.context import RetirementRule


def category(gender: str, identity: str) -> str:
    """Rule category of a person: men; women cadres (干部); women workers (anyone else)."""
    if gender == "男":
        return "male"
    return "female_cadre" if identity == "干部" else "female_worker"


def retirement_month(birth_year: int, birth_month: int, rule: RetirementRule) -> str:
    """`YYYYMM` of statutory retirement for one person."""
    idx = (birth_year - rule.reform_start_year) * 12 + birth_month
    delay = 0 if idx <= 0 else min(-(-idx // rule.months_per_delay), rule.max_delay_months)
    total = birth_year * 12 + (birth_month - 1) + rule.base_age * 12 + delay
    return f"{total // 12}{total % 12 + 1:02d}"


def categories(genders: pd.Series, identities: pd.Series) -> pd.Series:
    """Vectorised `category`."""
    women = np.where(identities.eq("干部"), "female_cadre", "female_worker")
    return pd.Series(np.where(genders.eq("男"), "male", women), index=genders.index, dtype=object)


def retirement_months(
    births: pd.Series, categories: pd.Series, rules: dict[str, RetirementRule]
) -> pd.Series:
    """Vectorised `retirement_month`: births are Timestamps (NaT gives ''), same index."""
    year = births.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    month = births.dt.month.to_numpy(dtype="float64", na_value=np.nan)
    cats = categories.to_numpy()
    base = np.full(len(births), np.nan)
    start = np.full(len(births), np.nan)
    k = np.ones(len(births))
    cap = np.zeros(len(births))
    for name, rule in rules.items():
        hit = cats == name
        base[hit], start[hit] = rule.base_age, rule.reform_start_year
        k[hit], cap[hit] = rule.months_per_delay, rule.max_delay_months
    idx = (year - start) * 12 + month
    delay = np.where(idx <= 0, 0, np.minimum(np.ceil(idx / k), cap))
    total = year * 12 + (month - 1) + base * 12 + delay
    out = pd.Series("", index=births.index, dtype=object)
    ok = ~np.isnan(total)
    t = total[ok].astype(np.int64)
    out[ok] = [f"{a}{b:02d}" for a, b in zip(t // 12, t % 12 + 1, strict=True)]
    return out


# Minimum contribution years (2025 reform): 15, then +0.5 a year from 2030 until 20 in 2039,
# by the year the statutory age is reached. Statute, not a yearly figure: kept in code.
MIN_YEARS_BEFORE = Decimal(15)
MIN_YEARS_RISE_FROM = 2030
MIN_YEARS_FINAL = Decimal(20)


@dataclass(frozen=True)
class Retirement:
    """Statutory retirement of one person: the month, the age then, the years needed."""

    month: str  # YYYYMM
    age_years: int
    age_months: int
    min_contribution_years: Decimal

    def as_json(self) -> dict[str, object]:
        """The `shebao retirement --json` shape (month as YYYY-MM)."""
        return {
            "month": f"{self.month[:4]}-{self.month[4:]}",
            "age_years": self.age_years,
            "age_months": self.age_months,
            "min_contribution_years": float(self.min_contribution_years),
        }


def min_contribution_years(year: int) -> Decimal:
    """Years of contributions needed by someone reaching statutory age in `year`."""
    if year < MIN_YEARS_RISE_FROM:
        return MIN_YEARS_BEFORE
    rise = Decimal("0.5") * (year - MIN_YEARS_RISE_FROM + 1)
    return min(MIN_YEARS_BEFORE + rise, MIN_YEARS_FINAL)


def statutory_retirement(
    gender: str,
    identity: str,
    birth_year: int,
    birth_month: int,
    rules: Mapping[str, RetirementRule],
) -> Retirement:
    """Month, age and minimum contribution years of statutory retirement."""
    month = retirement_month(birth_year, birth_month, rules[category(gender, identity)])
    age = int(month[:4]) * 12 + int(month[4:]) - (birth_year * 12 + birth_month)
    return Retirement(month, age // 12, age % 12, min_contribution_years(int(month[:4])))


def payout_months(age_years: int, age_months: int, table: Mapping[int, Decimal]) -> Decimal:
    """计发月数 for an age at retirement: the published whole-age figure, or the straight
    line between the two whole ages around it, to one decimal (60y1m → 138.4)."""
    ages = sorted(table)
    years = min(max(age_years, ages[0]), ages[-1])
    low = table[years]
    if age_months == 0 or years == ages[-1] or years != age_years:
        return low
    high = table[years + 1]
    value = low + (high - low) * Decimal(age_months) / Decimal(12)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# 弹性提前退休 (人社部发〔2024〕94号): at most 3 years before the statutory age, and never
# before the original one. Statute, like the minimum years: kept in code.
FLEXIBLE_EARLY_MONTHS = 36


def earliest_flexible_months(original: pd.Series, due: pd.Series) -> pd.Series:
    """Vectorised earliest month (YYYYMM) of 弹性提前退休: the later of the original-age
    month and 3 years before the statutory month ('' where either is unknown). For women
    workers born from 1981 the reform delays retirement by more than 3 years, so the
    original age (50) is then too early."""
    known = original.ne("") & due.ne("")
    out = pd.Series("", index=due.index, dtype=object)
    if not known.any():
        return out
    d = due[known]
    index = d.str.slice(0, 4).astype(int) * 12 + d.str.slice(4, 6).astype(int) - 1
    index -= FLEXIBLE_EARLY_MONTHS
    back = (index // 12).astype(str) + (index % 12 + 1).astype(str).str.zfill(2)
    out[known] = np.where(back > original[known], back, original[known])
    return out


def original_months(
    births: pd.Series, categories: pd.Series, rules: dict[str, RetirementRule]
) -> pd.Series:
    """Vectorised month (YYYYMM) of the original retirement age, before the reform's delay
    (60 men / 55 women cadres / 50 women workers): the earliest 弹性提前退休 month."""
    undelayed = {name: replace(rule, max_delay_months=0) for name, rule in rules.items()}
    return retirement_months(births, categories, undelayed)
