"""Contribution bases: a declared wage clamped to the year's published floor and cap.

Below the floor or above the cap is not an error: the base is adjusted and the row
carries a warning naming the figure used. A year without published figures uses the
latest one; only rows actually clamped say so (the clerk can do nothing about it: the
operator is told instead, see `registry.policy.base_limits_notice`).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from validators import messages
from validators.context import RuleContext
from validators.errors import RowError


def clamp_bases(
    wages: pd.Series,
    months: pd.Series,
    ctx: RuleContext,
    column: str,
    letter: str | None,
    label: str | None = None,
) -> tuple[pd.Series, pd.Series, list[RowError]]:
    """(base per row as decimal text, whether clamped, warnings) for valid wage/month rows.

    Warnings are reported on `column`; `label` names the amount in their text when it is
    not the column's own value (e.g. 月平均工资 computed from a yearly total)."""
    bases = wages.copy()
    clamped = pd.Series(False, index=wages.index)
    warnings: list[RowError] = []
    for year, idx in months.str.slice(0, 4).groupby(months.str.slice(0, 4)).groups.items():
        limits = ctx.limits_for(int(year))
        if limits is None:
            continue
        used, floor, cap = limits
        # Valid wages have at most two decimals, like the floor and cap: comparing them
        # as floats decides exactly as Decimal would, without a Decimal per row.
        amounts = pd.to_numeric(wages[idx]).astype(float)
        low, high = amounts < float(floor), amounts > float(cap)
        bases[idx] = wages[idx].where(~low, str(floor)).where(~high, str(cap))
        clamped[idx] = low | high
        fields = {"column": label or column, "year": used, "floor": _yuan(floor), "cap": _yuan(cap),
                  "note": ""}  # fmt: skip
        if used != int(year):
            # Said after the figure: "低于 2024 年缴费基数下限 4,812.00(2027 年的标准尚未公布, …)".
            fields["note"] = f"({year} 年的标准尚未公布, 暂按 {used} 年的标准)"
        for row in amounts.index[low | high]:
            code = "base_below_floor" if low[row] else "base_above_cap"
            warnings.append(_warn(row, column, letter, wages[row], code, fields))
    return bases, clamped, warnings


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _warn(row, column, letter, value, code, fields) -> RowError:
    return RowError(
        row=None if row is None else int(row),
        column=column,
        letter=letter,
        value=str(value),
        code=code,
        message=messages.render(code, value=value, **fields),
        severity="warning",
    )
