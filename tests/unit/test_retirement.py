"""Statutory retirement month under the 2025 gradual reform (DOMAIN.md), scalar and
vectorised, and the helpers of the rule context."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators import retirement
from validators.context import (
    DEFAULT_RETIREMENT,
    RetirementRule,
    RuleContext,
    month_label,
    shift_month,
)

pytestmark = pytest.mark.unit

RULES = DEFAULT_RETIREMENT
CATEGORIES = ("male", "female_cadre", "female_worker")

# (category, birth year, birth month, retirement month): every example of DOMAIN.md.
DOMAIN_EXAMPLES = [
    ("male", 1965, 1, "202502"),
    ("male", 1965, 12, "202603"),
    ("female_cadre", 1971, 4, "202608"),
    ("female_worker", 1980, 6, "203303"),
    ("male", 1963, 12, "202312"),
]

# Caps and boundaries worked out by hand from the table.
EDGE_CASES = [
    ("male", 1964, 12, "202412"),  # idx 0: no delay
    ("male", 1965, 4, "202505"),  # idx 4: exactly one delay month
    ("male", 1965, 5, "202507"),  # idx 5: second delay month starts
    ("male", 1976, 8, "203907"),  # idx 140: 35 months
    ("male", 1976, 9, "203909"),  # idx 141: ceil → 36 months (cap reached)
    ("male", 1976, 12, "203912"),  # idx 144: 36 months
    ("male", 1977, 1, "204001"),  # capped: 63 years
    ("male", 1990, 3, "205303"),  # capped: 63 years
    ("female_cadre", 1969, 12, "202412"),  # before the reform: 55
    ("female_cadre", 1970, 1, "202502"),
    ("female_cadre", 2000, 7, "205807"),  # capped: 58 years
    ("female_worker", 1974, 12, "202412"),  # before the reform: 50
    ("female_worker", 1975, 1, "202502"),
    ("female_worker", 1975, 2, "202503"),  # k = 2: one month per two months of birth
    ("female_worker", 1975, 3, "202505"),
    ("female_worker", 1984, 12, "203912"),  # idx 120 → 60 months (cap reached)
    ("female_worker", 2000, 1, "205501"),  # capped: 55 years
    ("female_worker", 2000, 6, "205506"),
]


def reference(category: str, year: int, month: int) -> str:
    """DOMAIN.md's formula written out plainly."""
    rule = RULES[category]
    idx = (year - rule.reform_start_year) * 12 + month
    delay = 0 if idx <= 0 else min(math.ceil(idx / rule.months_per_delay), rule.max_delay_months)
    total = year * 12 + month - 1 + rule.base_age * 12 + delay
    return f"{total // 12:04d}{total % 12 + 1:02d}"


# --- category ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gender", "identity", "expected"),
    [
        ("男", "工人", "male"),
        ("男", "干部", "male"),
        ("男", "", "male"),
        ("女", "干部", "female_cadre"),
        ("女", "工人", "female_worker"),
        ("女", "", "female_worker"),
    ],
)
def test_category(gender, identity, expected):
    assert retirement.category(gender, identity) == expected


# --- scalar -----------------------------------------------------------------------------


@pytest.mark.parametrize(("cat", "year", "month", "expected"), DOMAIN_EXAMPLES + EDGE_CASES)
def test_retirement_month(cat, year, month, expected):
    assert retirement.retirement_month(year, month, RULES[cat]) == expected


@pytest.mark.parametrize(("cat", "cap_years"), [("male", 63), ("female_cadre", 58)])
def test_late_births_are_capped(cat, cap_years):
    for year in (1990, 2000, 2010):
        for month in (1, 6, 12):
            expected = f"{year + cap_years}{month:02d}"
            assert retirement.retirement_month(year, month, RULES[cat]) == expected


def test_woman_worker_born_2000_retires_at_55():
    for month in range(1, 13):
        assert (
            retirement.retirement_month(2000, month, RULES["female_worker"]) == f"2055{month:02d}"
        )


def test_man_born_1990_retires_at_63():
    for month in range(1, 13):
        assert retirement.retirement_month(1990, month, RULES["male"]) == f"2053{month:02d}"


@given(st.sampled_from(CATEGORIES), st.integers(1900, 2030), st.integers(1, 12))
def test_retirement_month_follows_the_formula(cat, year, month):
    assert retirement.retirement_month(year, month, RULES[cat]) == reference(cat, year, month)


@given(st.sampled_from(CATEGORIES), st.integers(1900, 2030), st.integers(1, 12))
def test_age_at_retirement_is_between_old_age_and_cap(cat, year, month):
    rule = RULES[cat]
    got = retirement.retirement_month(year, month, rule)
    months = int(got[:4]) * 12 + int(got[4:]) - (year * 12 + month)
    assert rule.base_age * 12 <= months <= rule.base_age * 12 + rule.max_delay_months


def test_custom_rule_is_honoured():
    rule = RetirementRule(
        base_age=65, reform_start_year=2000, months_per_delay=1, max_delay_months=6
    )
    assert retirement.retirement_month(1999, 12, rule) == "206412"
    assert retirement.retirement_month(2000, 3, rule) == "206506"
    assert retirement.retirement_month(2001, 3, rule) == "206609"


# --- vectorised -------------------------------------------------------------------------


def births_series(pairs, index=None) -> pd.Series:
    return pd.Series(pd.to_datetime([f"{y}-{m:02d}-15" for y, m in pairs]), index=index)


def test_retirement_months_domain_examples_and_edges():
    cases = DOMAIN_EXAMPLES + EDGE_CASES
    index = range(5, 5 + len(cases))
    births = births_series([(y, m) for _, y, m, _ in cases], index=index)
    cats = pd.Series([c for c, *_ in cases], index=index)
    got = retirement.retirement_months(births, cats, RULES)
    assert list(got.index) == list(index)
    assert got.tolist() == [e for *_, e in cases]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(CATEGORIES),
            st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_retirement_months_agrees_with_scalar(rows):
    births = pd.Series(pd.to_datetime([d for _, d in rows]))
    cats = pd.Series([c for c, _ in rows])
    got = retirement.retirement_months(births, cats, RULES)
    assert got.tolist() == [retirement.retirement_month(d.year, d.month, RULES[c]) for c, d in rows]


def test_retirement_months_unknown_birth_or_category_is_blank():
    births = pd.Series([pd.Timestamp("1990-03-15"), pd.NaT, pd.Timestamp("1990-03-15")])
    cats = pd.Series(["male", "male", "nobody"])
    assert retirement.retirement_months(births, cats, RULES).tolist() == ["205303", "", ""]


def test_retirement_months_with_rules_from_the_context():
    ctx = RuleContext(today=dt.date(2026, 11, 29))
    births = births_series([(1965, 1), (1971, 4)])
    cats = pd.Series(["male", "female_cadre"])
    assert retirement.retirement_months(births, cats, ctx.retirement).tolist() == [
        "202502",
        "202608",
    ]


# --- context helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "delta", "expected"),
    [
        ("202611", 1, "202612"),
        ("202612", 1, "202701"),
        ("202601", -1, "202512"),
        ("202611", -12, "202511"),
        ("202611", 0, "202611"),
        ("202611", 25, "202812"),
    ],
)
def test_shift_month(month, delta, expected):
    assert shift_month(month, delta) == expected


def test_context_month_window():
    ctx = RuleContext(today=dt.date(2026, 11, 29))
    assert ctx.this_month == "202611"
    assert ctx.next_month == "202612"
    assert ctx.earliest_month == "202511"
    december = RuleContext(today=dt.date(2026, 12, 31), backdate_months=3)
    assert december.next_month == "202701"
    assert december.earliest_month == "202609"


@pytest.mark.parametrize(
    ("month", "label"),
    [("202611", "2026年11月"), ("202601", "2026年1月"), ("", ""), ("2026-11", "2026-11")],
)
def test_month_label(month, label):
    assert month_label(month) == label


# The 2025 reform's ages, minimum years and payout months (issue 8).
# (gender, identity, birth, month, age years, age months, minimum years)
STATUTORY = [
    ("男", "工人", (1965, 1), "202502", 60, 1, "15"),  # DOMAIN.md examples
    ("男", "干部", (1965, 12), "202603", 60, 3, "15"),
    ("女", "干部", (1971, 4), "202608", 55, 4, "15"),
    ("女", "工人", (1980, 6), "203303", 52, 9, "17"),
    ("男", "工人", (1963, 12), "202312", 60, 0, "15"),
    ("男", "工人", (1964, 12), "202412", 60, 0, "15"),  # last month before the reform
    ("女", "干部", (1969, 12), "202412", 55, 0, "15"),
    ("女", "工人", (1974, 12), "202412", 50, 0, "15"),
    ("女", "干部", (1970, 1), "202502", 55, 1, "15"),  # first reformed birth months
    ("女", "工人", (1975, 1), "202502", 50, 1, "15"),
    ("男", "工人", (1976, 9), "203909", 63, 0, "20"),  # caps reached
    ("男", "工人", (1976, 8), "203907", 62, 11, "20"),
    ("女", "干部", (1981, 9), "203909", 58, 0, "20"),
    ("女", "工人", (1984, 11), "203911", 55, 0, "20"),
    ("女", "工人", (1984, 10), "203909", 54, 11, "20"),
    ("男", "工人", (1990, 3), "205303", 63, 0, "20"),
]


@pytest.mark.parametrize(
    ("gender", "identity", "birth", "month", "years", "months", "need"), STATUTORY
)
def test_statutory_retirement(gender, identity, birth, month, years, months, need):
    from decimal import Decimal

    result = retirement.statutory_retirement(gender, identity, *birth, RULES)
    assert (result.month, result.age_years, result.age_months) == (month, years, months)
    assert result.min_contribution_years == Decimal(need)
    assert result.as_json()["month"] == f"{month[:4]}-{month[4:]}"


@pytest.mark.parametrize(
    ("year", "need"),
    [(2025, "15"), (2029, "15"), (2030, "15.5"), (2031, "16"), (2035, "18"), (2038, "19.5"),
     (2039, "20"), (2040, "20"), (2060, "20")],
)  # fmt: skip
def test_minimum_contribution_years_rise_from_2030_to_2039(year, need):
    from decimal import Decimal

    assert retirement.min_contribution_years(year) == Decimal(need)


def test_payout_months_whole_ages_and_between():
    from decimal import Decimal

    from registry.policy import DEFAULT_SETTINGS

    table = {
        int(k[14:]): Decimal(v)
        for k, (v, _) in DEFAULT_SETTINGS.items()
        if k.startswith("payout_months_")
    }
    assert sorted(table) == list(range(50, 64))
    assert retirement.payout_months(60, 0, table) == 139
    assert retirement.payout_months(60, 1, table) == Decimal("138.4")  # DOMAIN.md
    assert retirement.payout_months(50, 1, table) == Decimal("194.6")  # DOMAIN.md
    assert retirement.payout_months(52, 9, table) == Decimal("181.3")  # 185 - 5 * 9/12 = 181.25
    assert retirement.payout_months(63, 0, table) == 117
    assert retirement.payout_months(65, 4, table) == 117  # past the table: its last figure
