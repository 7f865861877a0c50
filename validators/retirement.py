"""Statutory retirement month under the 2025 gradual reform, scalar and vectorised.

idx = (birth year − reform start year)·12 + birth month; delay = 0 if idx ≤ 0 else
min(ceil(idx / k), max); retirement month = birth month + base age years + delay months.
"""

from __future__ import annotations

from dataclasses import replace

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


def original_months(
    births: pd.Series, categories: pd.Series, rules: dict[str, RetirementRule]
) -> pd.Series:
    """Vectorised month (YYYYMM) of the original retirement age, before the reform's delay
    (60 men / 55 women cadres / 50 women workers): the earliest 弹性提前退休 month."""
    undelayed = {name: replace(rule, max_delay_months=0) for name, rule in rules.items()}
    return retirement_months(births, categories, undelayed)
