"""Policy tables: the dated figures authorities publish, seeded with DOMAIN.md's defaults
and editable by the operator (CLI `shebao policy ...`). Code reads them, never hard-codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import (
    PolicyBaseLimit,
    PolicyInterest,
    PolicyRate,
    PolicyRetirement,
    PolicySetting,
)
from validators.context import RetirementRule

DEFAULT_RATES = [  # insurance, employer, employee
    ("110", "0.16", "0.08"),
    ("210", "0.005", "0.005"),
    ("310", "0.095", "0.02"),
]
INJURY_RATES = ["0.002", "0.004", "0.007", "0.009", "0.011", "0.013", "0.016", "0.019"]
DEFAULT_BASE_LIMITS = {2023: ("4462", "22311"), 2024: ("4812", "24930")}
DEFAULT_INTEREST = {
    2016: "0.0831", 2017: "0.0712", 2018: "0.0829", 2019: "0.0761", 2020: "0.0604",
    2021: "0.0669", 2022: "0.0612", 2023: "0.0397", 2024: "0.0262", 2025: "0.0150",
}  # fmt: skip
DEFAULT_RETIREMENT = {  # category: base age, reform start year, k, max delay
    "male": (60, 1965, 4, 36),
    "female_cadre": (55, 1970, 4, 36),
    "female_worker": (50, 1975, 2, 60),
}
DEFAULT_SETTINGS = {
    "backdate_months": ("12", "参保年月最多可补报的月数"),
    "min_age": ("16", "参保最低年龄"),
    "late_charge_daily": ("0.0005", "滞纳金日比例"),
    "injury_report_days": ("30", "工伤事故应在多少天内申报"),
    "payout_months_50": ("195", "50 岁退休的计发月数"),
    "payout_months_55": ("170", "55 岁退休的计发月数"),
    "payout_months_60": ("139", "60 岁退休的计发月数"),
    "payout_months_63": ("117", "63 岁退休的计发月数"),
    # The other whole ages of 国发〔2005〕38号 (ages between are interpolated).
    **{
        f"payout_months_{age}": (str(months), f"{age} 岁退休的计发月数")
        for age, months in {
            51: 190, 52: 185, 53: 180, 54: 175, 56: 164, 57: 158, 58: 152, 59: 145,
            61: 132, 62: 125,
        }.items()
    },
    "payment_due_day": ("15", "每月缴费截止日(次月几日), 之后按日计滞纳金"),
}  # fmt: skip


def seed_defaults(session: Session) -> None:
    """Insert DOMAIN.md's defaults where a table is still empty (never overwrites)."""
    if session.scalar(select(PolicyRate).limit(1)) is None:
        for ins, er, ee in DEFAULT_RATES:
            session.add(
                PolicyRate(
                    insurance=ins,
                    valid_from="201901",
                    employer_rate=Decimal(er),
                    employee_rate=Decimal(ee),
                )
            )
        for cls, rate in enumerate(INJURY_RATES, start=1):
            session.add(
                PolicyRate(
                    insurance="410",
                    valid_from="201901",
                    industry_class=cls,
                    employer_rate=Decimal(rate),
                    employee_rate=Decimal(0),
                )
            )
    if session.scalar(select(PolicyBaseLimit).limit(1)) is None:
        for year, (floor, cap) in DEFAULT_BASE_LIMITS.items():
            session.add(PolicyBaseLimit(year=year, floor=Decimal(floor), cap=Decimal(cap)))
    if session.scalar(select(PolicyInterest).limit(1)) is None:
        for year, rate in DEFAULT_INTEREST.items():
            session.add(PolicyInterest(year=year, rate=Decimal(rate)))
    if session.scalar(select(PolicyRetirement).limit(1)) is None:
        for cat, (age, start, k, delay) in DEFAULT_RETIREMENT.items():
            session.add(
                PolicyRetirement(
                    category=cat,
                    base_age=age,
                    reform_start_year=start,
                    months_per_delay=k,
                    max_delay_months=delay,
                )
            )
    known = set(session.scalars(select(PolicySetting.key)))
    for key, (value, note) in DEFAULT_SETTINGS.items():
        if key not in known:
            session.add(PolicySetting(key=key, value=value, note=note))


def base_limits(session: Session) -> dict[int, tuple[Decimal, Decimal]]:
    """Published floor and cap per year."""
    return {r.year: (r.floor, r.cap) for r in session.scalars(select(PolicyBaseLimit))}


def base_limits_notice(session: Session, today: dt.date) -> str | None:
    """What the operator must be told when the floor and cap of this year (or the next,
    from December on, when next year's declarations start) are not entered yet."""
    known = base_limits(session)
    wanted = [today.year] + ([today.year + 1] if today.month == 12 else [])
    missing = [y for y in wanted if y not in known]
    if not missing:
        return None
    latest = max(known) if known else None
    using = f", 在此之前按 {latest} 年的标准核定" if latest else ", 在此之前无法核定缴费基数"
    years = "、".join(str(y) for y in missing)
    return (
        f"{years} 年的缴费基数上下限尚未录入{using}。公布后请运行 "
        f"`shebao policy base-limit --year {missing[0]} --floor 下限 --cap 上限` 录入。"
    )


def set_base_limit(session: Session, year: int, floor: Decimal, cap: Decimal) -> None:
    """Enter or correct the published floor and cap of `year`."""
    if floor <= 0 or cap < floor:
        raise ValueError("下限须大于 0 且不高于上限")
    row = session.get(PolicyBaseLimit, year) or PolicyBaseLimit(year=year)
    row.floor, row.cap = floor, cap
    session.add(row)


def retirement_rules(session: Session) -> dict[str, tuple[int, int, int, int]]:
    """(base age, reform start year, k, max delay) per category."""
    return {
        r.category: (r.base_age, r.reform_start_year, r.months_per_delay, r.max_delay_months)
        for r in session.scalars(select(PolicyRetirement))
    }


def settings(session: Session) -> dict[str, str]:
    """Every named policy figure."""
    return {s.key: s.value for s in session.scalars(select(PolicySetting))}


# Bounds of the settings a wrong figure would break: a due day every month has, and a
# daily charge given as a fraction (0.0005 is 0.05 %; 0.05 typed for "0.05 %" is refused).
SETTING_BOUNDS = {
    "payment_due_day": (Decimal(1), Decimal(28)),
    "late_charge_daily": (Decimal(0), Decimal("0.01")),
}


def setting_problem(key: str, value: str) -> str | None:
    """Why `value` cannot be the setting `key`, in Chinese, or None. Every setting is a
    number (a whole one where the default is, but for 计发月数); the bounded ones must lie
    within bounds."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return f"{key} 应为数字, 收到「{value}」。"
    # 计发月数 may be corrected to a decimal (the interpolated ages are); counts may not.
    whole = DEFAULT_SETTINGS.get(key, ("0", ""))[0].isdigit() and "payout_months" not in key
    if not number.is_finite() or number < 0 or (whole and number != number.to_integral_value()):
        kind = "不小于 0 的整数" if whole else "不小于 0 的数"
        return f"{key} 应为{kind}, 收到「{value}」。"
    low, high = SETTING_BOUNDS.get(key, (Decimal(0), None))
    if number < low or (high is not None and number > high):
        return f"{key} 应在 {low} 到 {high} 之间, 收到「{value}」。"
    return None


def set_setting(session: Session, key: str, value: str) -> None:
    """Change one named policy figure (only keys that exist; ValueError with a Chinese
    message for a value that is not a valid figure)."""
    row = session.get(PolicySetting, key)
    if row is None:
        raise KeyError(key)
    problem = setting_problem(key, value)
    if problem:
        raise ValueError(problem)
    row.value = value.strip()


def interest_rates(session: Session) -> dict[int, Decimal]:
    """The 记账利率 entered per year, oldest first."""
    rows = session.execute(select(PolicyInterest.year, PolicyInterest.rate).order_by("year"))
    return {year: Decimal(str(rate)).normalize() for year, rate in rows}


def set_interest(session: Session, year: int, rate: Decimal) -> None:
    """Enter or correct the 记账利率 of `year` (a fraction: 0.0262 is 2.62 %; ValueError
    with a Chinese message otherwise)."""
    if not rate.is_finite() or not Decimal(0) <= rate < Decimal("0.3"):
        raise ValueError(f"记账利率应为小数, 如 0.0262 表示 2.62%, 收到「{rate}」。")
    row = session.get(PolicyInterest, year) or PolicyInterest(year=year)
    row.rate = rate
    session.add(row)


def payout_table(session: Session) -> dict[int, Decimal]:
    """计发月数 per whole age at retirement (from the payout_months_NN settings)."""
    table = {}
    for key, value in settings(session).items():
        if key.startswith("payout_months_") and key[14:].isdigit():
            table[int(key[14:])] = Decimal(value)
    return table


def retirement_rule_objects(session: Session) -> dict[str, RetirementRule]:
    """The retirement rules as `RetirementRule`s, by category."""
    return {cat: RetirementRule(*rule) for cat, rule in retirement_rules(session).items()}
