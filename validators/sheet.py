"""Validate a whole normalised sheet: run the kind's pandera model lazily and turn every
failure case into a `RowError` at once (pandera's exceptions never leave this module)."""

from __future__ import annotations

import pandas as pd
import pandera.errors as pa_errors

from validators import idcard, messages
from validators.checks import rule_context
from validators.context import RuleContext, month_label
from validators.errors import RowError
from validators.models import MODELS, MONTH_COLUMN, ROW_CHECK_COLUMNS
from validators.specs import get_kind

_MAX_LISTED_CHOICES = 12


def validate_sheet(
    kind: str, df: pd.DataFrame, ctx: RuleContext, letters: dict[str, str]
) -> list[RowError]:
    """Every error of every cell and row of `df` (index = Excel row numbers)."""
    with rule_context(ctx):
        try:
            MODELS[kind].validate(df, lazy=True)
            return []
        except pa_errors.SchemaErrors as exc:
            cases = exc.failure_cases
    return _to_row_errors(kind, df, cases, ctx, letters)


def _check_code(check: str) -> str:
    """`not_in_list(('男', '女'))` → `not_in_list`."""
    return str(check).split("(", 1)[0]


def _to_row_errors(
    kind: str, df: pd.DataFrame, cases: pd.DataFrame, ctx: RuleContext, letters: dict[str, str]
) -> list[RowError]:
    cases = cases.dropna(subset=["index"])
    found: dict[tuple[int, str, str], RowError] = {}
    month_col = MONTH_COLUMN[kind]
    for check, idx, col in zip(cases["check"], cases["index"], cases["column"], strict=True):
        code = _check_code(check)
        column = ROW_CHECK_COLUMNS.get(code) or (month_col if code.startswith("month_too") else col)
        key = (int(idx), column, code)
        if key in found:
            continue
        fields = explain(kind, code, df, int(idx), column, ctx)
        found[key] = RowError(
            row=int(idx),
            column=column,
            letter=letters.get(column),
            value=str(df.at[idx, column]),
            code=code,
            message=messages.render(code, **fields),
            severity="error",
        )
    order = {h: i for i, h in enumerate(df.columns)}
    return sorted(found.values(), key=lambda e: (e.row, order.get(e.column, 99)))


def explain(
    kind: str, code: str, df: pd.DataFrame, idx: int, column: str, ctx: RuleContext
) -> dict[str, object]:
    """The fields the message of `code` needs, for the cell at row `idx`, `column`."""
    value = str(df.at[idx, column])
    out: dict[str, object] = {"column": column, "value": value, "length": len(value)}
    spec_col = get_kind(kind).column(column) if column in get_kind(kind).headers else None
    if code == "not_in_list" and spec_col:
        shown = spec_col.choices[:_MAX_LISTED_CHOICES]
        more = " 等" if len(spec_col.choices) > len(shown) else ""
        out["choices"] = "、".join(shown) + more
    elif code == "too_long" and spec_col:
        out["max_len"] = spec_col.max_len
    elif code == "id_checksum":
        out["expected"] = idcard.check_char(value[:17])
    elif code == "id_birth_date":
        out["born"] = f"{value[6:10]}-{value[10:12]}-{value[12:14]}"
    elif code in ("gender_mismatch", "birth_mismatch"):
        out["expected"] = _from_id(code, str(df.at[idx, "证件号码"]))
    elif code in ("too_young", "pension_past_retirement"):
        out.update(_age_fields(df, idx, ctx))
    elif code.startswith("month_too"):
        out.update(_month_window_fields(code, value, ctx))
    elif code == "duplicate_in_sheet":
        same = df.index[df["证件号码"].eq(value)]
        out.update(count=len(same), rows="、".join(str(r) for r in same))
    return out


def _from_id(code: str, id_number: str) -> str:
    if code == "gender_mismatch":
        return "男" if int(id_number[16]) % 2 else "女"
    return f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"


def _age_fields(df: pd.DataFrame, idx: int, ctx: RuleContext) -> dict[str, object]:
    from validators.row_rules import birth_dates, retirement_months_of

    row = df.loc[[idx]]
    born = birth_dates(row, pd.Timestamp(ctx.today)).iloc[0]
    retire = retirement_months_of(row, ctx).iloc[0]
    return {
        "born": "" if pd.isna(born) else born.strftime("%Y-%m-%d"),
        "month": month_label(str(df.at[idx, "参保年月"])),
        "min_age": ctx.min_age,
        "retire": month_label(retire),
    }


def _month_window_fields(code: str, value: str, ctx: RuleContext) -> dict[str, object]:
    limit = ctx.next_month if code == "month_too_late" else ctx.earliest_month
    return {"month": month_label(value), "limit": month_label(limit), "months": ctx.backdate_months}
