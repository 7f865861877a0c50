"""Contribution bases: a declared wage clamped to the year's published floor and cap.

Below the floor or above the cap is not an error: the base is adjusted and the row
carries a warning; a year without published figures uses the latest one, with a warning.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from validators import messages
from validators.context import RuleContext
from validators.errors import RowError


def clamp_bases(
    wages: pd.Series, months: pd.Series, ctx: RuleContext, column: str, letter: str | None
) -> tuple[pd.Series, pd.Series, list[RowError]]:
    """(base per row as decimal text, whether clamped, warnings) for valid wage/month rows."""
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
        fields = {"column": column, "year": used, "floor": _yuan(floor), "cap": _yuan(cap)}
        for row in amounts.index[low | high]:
            code = "base_below_floor" if low[row] else "base_above_cap"
            warnings.append(_warn(row, column, letter, wages[row], code, fields))
        if used != int(year):
            # One notice for the whole sheet, not one per row: every row of that year is alike.
            warnings.append(
                _warn(
                    None,
                    column,
                    letter,
                    "",
                    "base_limits_outdated",
                    {**fields, "year": year, "used": used},
                )
            )
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
