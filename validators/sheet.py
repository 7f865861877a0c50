"""Validate a whole normalised sheet: run the kind's pandera model lazily and turn every
failure case into a `RowError` at once (pandera's exceptions never leave this module)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa

from validators import creditcode, idcard, messages
from validators.checks import rule_context
from validators.context import RuleContext, month_label
from validators.errors import RowError, ValidationSetupError
from validators.models import SHARED_CHECK_COLUMNS, SheetModel
from validators.specs import ColumnSpec, KindSpec

_MAX_LISTED_CHOICES = 12
# Checks whose message names the person's birth date and age limits.
_AGE_CODES = ("too_young", "pension_past_retirement", "unemployment_past_retirement")
_MAX_LISTED_ROWS = 10


@dataclass(frozen=True)
class SheetRules:
    """What validating one kind's sheet needs: its spec, its pandera model, the column
    each of the model's row-level checks points the user to, and the month column the
    month-window checks and age messages speak of (None for a kind without one)."""

    spec: KindSpec
    model: type[SheetModel]
    check_columns: Mapping[str, str] = field(default_factory=dict)
    month_column: str | None = None

    def column_of(self, code: str) -> str | None:
        """The column a row-level check `code` is reported on, or None for a cell check."""
        if code in self.check_columns:
            return self.check_columns[code]
        if code in SHARED_CHECK_COLUMNS:
            return SHARED_CHECK_COLUMNS[code]
        if code.startswith("month_too") and self.month_column:
            return self.month_column
        return None


def validate_sheet(
    rules: SheetRules, df: pd.DataFrame, ctx: RuleContext, letters: dict[str, str]
) -> list[RowError]:
    """Every error of every cell and row of `df` (index = Excel row numbers).

    The model's cell checks run through pandera; its row-level (dataframe) checks are
    called one by one here and their failing rows taken straight from the boolean
    result: pandera reshapes every failing row of a dataframe check into one failure
    case per cell (a sheet whose every ID Excel turned into a number made that 2
    million cases and most of the import's time), and we only need the row numbers."""
    cells, frame_checks = _split_schema(rules.model)
    with rule_context(ctx):
        found = _row_failures(frame_checks, df)
        try:
            cells.validate(df, lazy=True)
            cases = None
        except pa_errors.SchemaErrors as exc:
            cases = exc.failure_cases
    if cases is None and found.empty:
        return []
    if cases is not None:
        found = pd.concat([cases[list(_CASE_COLUMNS)], found], ignore_index=True)
    return _to_row_errors(rules, df, found, ctx, letters)


_CASE_COLUMNS = ("check", "index", "column", "failure_case")


@functools.cache
def _split_schema(model: type[SheetModel]) -> tuple[pa.DataFrameSchema, list[pa.Check]]:
    """The model's schema without its dataframe checks, and those checks."""
    schema = model.to_schema()
    frame_checks = list(schema.checks)
    cells = copy.copy(schema)
    cells.checks = []
    return cells, frame_checks


def _row_failures(checks: list[pa.Check], df: pd.DataFrame) -> pd.DataFrame:
    """(check, index, column) of every row failing a dataframe check (column None)."""
    parts = []
    for check in checks:
        try:
            passed = check(df).check_output
        except Exception as exc:  # a bug of ours: never a reason to let rows pass unjudged
            raise ValidationSetupError(f"check {check.name} raised: {exc!r}") from exc
        failing = df.index[~passed.fillna(False).astype(bool).to_numpy()]
        if len(failing):
            parts.append(
                pd.DataFrame(
                    {"check": check.name, "index": failing, "column": None, "failure_case": None}
                )
            )
    if not parts:
        return pd.DataFrame(columns=list(_CASE_COLUMNS))
    return pd.concat(parts, ignore_index=True)


_CODE_OF_CHECK = {"cell_required": "required"}


@functools.lru_cache(maxsize=512)
def _check_code(check: str) -> str:
    """`not_in_list(('男', '女'))` → `not_in_list`; a check's code is its name."""
    name = str(check).split("(", 1)[0]
    return _CODE_OF_CHECK.get(name, name)


def _to_row_errors(
    rules: SheetRules,
    df: pd.DataFrame,
    cases: pd.DataFrame,
    ctx: RuleContext,
    letters: dict[str, str],
) -> list[RowError]:
    broken = cases[cases["index"].isna()]
    if not broken.empty:
        # A check that raised, a missing column, a wrong dtype: bugs of ours, never a
        # reason to let rows pass unjudged.
        first = broken.iloc[0]
        raise ValidationSetupError(
            f"check {first['check']} failed on the whole column: {first['failure_case']}"
        )
    found: dict[tuple[int, str, str], None] = {}
    for check, idx, col in zip(cases["check"], cases["index"], cases["column"], strict=True):
        code = _check_code(check)
        found.setdefault((int(idx), rules.column_of(code) or col, code), None)
    extras = _Extras(df, found, ctx)
    errors = [
        RowError(
            row=idx,
            column=column,
            letter=letters.get(column),
            value=extras.cell(idx, column),
            code=code,
            message=messages.render(code, **explain(rules, code, idx, column, ctx, extras)),
            severity="error",
        )
        for idx, column, code in found
    ]
    order = {h: i for i, h in enumerate(df.columns)}
    return sorted(errors, key=lambda e: (e.row, order.get(e.column, 99)))


class _Extras:
    """Message fields that need whole-column work, computed once for all failing rows
    (per-row pandas calls would make a sheet with many errors quadratic)."""

    def __init__(self, df: pd.DataFrame, found: dict, ctx: RuleContext):
        from validators.row_rules import birth_dates, retirement_months_of

        aged = sorted({i for i, _, c in found if c in _AGE_CODES})
        self.born: dict[int, str] = {}
        self.retire: dict[int, str] = {}
        if aged:
            rows = df.loc[aged]
            # The same `today` the rules used, so the message names the date they judged.
            self.born = (
                birth_dates(rows, pd.Timestamp(ctx.today))
                .dt.strftime("%Y-%m-%d")
                .fillna("")
                .to_dict()
            )
            self.retire = retirement_months_of(rows, ctx).to_dict()
        # Only the failing rows' cells, a column at a time when first asked for: DataFrame.at
        # in a loop is slow, and so is a dict per row (`to_dict("index")` boxes every cell
        # of every column, 2 s on a sheet whose every row failed).
        self._df = df
        self._failing = sorted({i for i, _, _ in found})
        self._columns: dict[str, dict[int, str]] = {}
        self.duplicates: dict[str, list[int]] = {}
        if any(c == "duplicate_in_sheet" for _, _, c in found):
            ids = df["证件号码"]
            doubled = ids[ids.duplicated(keep=False) & ids.ne("")]
            self.duplicates = {k: list(v) for k, v in doubled.groupby(doubled).groups.items()}
        if any(c == "duplicate_insurance_in_sheet" for _, _, c in found):
            pairs = df["证件号码"] + "|" + df["险种"]
            doubled = pairs[pairs.duplicated(keep=False)]
            self.duplicates.update({k: list(v) for k, v in doubled.groupby(doubled).groups.items()})

    def cell(self, idx: int, column: str) -> str:
        """The text of one failing row's cell."""
        values = self._columns.get(column)
        if values is None:
            picked = self._df[column].loc[self._failing].tolist()
            values = self._columns[column] = dict(zip(self._failing, map(str, picked), strict=True))
        return values[idx]


def explain(
    rules: SheetRules, code: str, idx: int, column: str, ctx: RuleContext, extras: _Extras
) -> dict[str, object]:
    """The fields the message of `code` needs, for the cell at row `idx`, `column`."""
    value = extras.cell(idx, column)
    out: dict[str, object] = {"column": column, "value": value, "length": len(value)}
    spec = rules.spec
    spec_col = spec.by_name.get(column)
    if spec_col is not None and code in _COLUMN_LIMIT_CODES:
        out.update(_column_limits(code, spec_col))
    elif code == "id_checksum":
        out["expected"] = idcard.check_char(value[:17])
    elif code == "credit_code_checksum":
        out["expected"] = creditcode.check_char(value.upper()[:17])
    elif code == "id_birth_date":
        out["born"] = f"{value[6:10]}-{value[10:12]}-{value[12:14]}"
    elif code in ("gender_mismatch", "birth_mismatch"):
        out["expected"] = _from_id(code, extras.cell(idx, "证件号码"))
    elif code in _AGE_CODES:
        out.update(
            born=extras.born.get(idx, ""),
            month=month_label(extras.cell(idx, rules.month_column or column)),
            min_age=ctx.min_age,
            retire=month_label(extras.retire.get(idx, "")),
        )
    elif code.startswith("month_too"):
        out.update(_month_window_fields(code, value, ctx))
    elif code == "declare_year_window":
        out.update(this_year=ctx.today.year, next_year=ctx.today.year + 1)
    elif code == "duplicate_in_sheet":
        same = extras.duplicates.get(value, [idx])
        # Every row of a large group listing all the others would make messages quadratic.
        out.update(_listed_rows(same))
    elif code == "duplicate_insurance_in_sheet":
        pair = f"{extras.cell(idx, '证件号码')}|{value}"
        out.update(_listed_rows(extras.duplicates.get(pair, [idx])))
    return out


def _listed_rows(same: list[int]) -> dict[str, object]:
    """count and rows of a duplicate group, the rows listed up to ten."""
    listed = "、".join(str(r) for r in same[:_MAX_LISTED_ROWS])
    more = " 等" if len(same) > _MAX_LISTED_ROWS else ""
    return {"count": len(same), "rows": listed + more}


_COLUMN_LIMIT_CODES = {"not_in_list", "too_long", "too_short", "money_too_large"}


def _column_limits(code: str, spec_col: ColumnSpec) -> dict[str, object]:
    """Message fields taken from the column's spec: its choices, lengths, amount limit."""
    if code == "not_in_list":
        shown = spec_col.choices[:_MAX_LISTED_CHOICES]
        more = " 等" if len(spec_col.choices) > len(shown) else ""
        return {"choices": "、".join(shown) + more}
    if code == "too_long":
        return {"max_len": spec_col.max_len}
    if code == "too_short":
        return {"min_len": spec_col.min_len}
    return {"limit": f"{spec_col.max_amount or 0:,.0f}"}


def _from_id(code: str, id_number: str) -> str:
    if code == "gender_mismatch":
        return "男" if int(id_number[16]) % 2 else "女"
    return f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"


def _month_window_fields(code: str, value: str, ctx: RuleContext) -> dict[str, object]:
    limit = ctx.next_month if code == "month_too_late" else ctx.earliest_month
    return {"month": month_label(value), "limit": month_label(limit), "months": ctx.backdate_months}
