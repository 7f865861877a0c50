"""Judging a sheet without the database: normalise, validate, compute bases and natural
keys. Produces the issues of every row and the rows fit to go on to the registry checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from importer.layout import SheetTable
from importer.normalise import normalise
from validators import messages
from validators.bases import clamp_bases
from validators.context import RuleContext
from validators.errors import RowError
from validators.sheet import validate_sheet
from validators.specs import get_kind

KEY_MONTH_COLUMN = {"person_add": "参保年月", "person_remove": "停保年月"}


@dataclass
class SheetVerdict:
    """The normalised sheet and everything found in it so far."""

    kind: str
    df: pd.DataFrame
    letters: dict[str, str]
    keys: pd.Series
    issues: list[RowError] = field(default_factory=list)
    # (number of issues when computed, messages per row): see record.messages_by_row.
    messages_cache: tuple | None = field(default=None, repr=False)

    @property
    def error_rows(self) -> set[int]:
        """Excel rows with at least one error (warnings do not count)."""
        return {e.row for e in self.issues if e.severity == "error" and e.row is not None}

    def candidates(self) -> pd.Index:
        """Rows without errors so far, in sheet order."""
        bad = self.error_rows
        return self.df.index[~self.df.index.isin(list(bad))]


def natural_keys(kind: str, df: pd.DataFrame, employer_code: str) -> pd.Series:
    """employer | kind | ID number | effective month: what makes two rows the same act."""
    return f"{employer_code}|{kind}|" + df["证件号码"] + "|" + df[KEY_MONTH_COLUMN[kind]]


def evaluate_sheet(
    table: SheetTable,
    ctx: RuleContext,
    on_normalised: Callable[[pd.DataFrame, pd.Series], None] | None = None,
) -> SheetVerdict:
    """Normalise and validate `table`; add the derived base columns for 人员增加.

    `on_normalised(df, keys)` is called between normalising and validating, with the
    normalised sheet and its natural keys (the pipeline starts its registry reads there).
    """
    spec = get_kind(table.kind)
    df, warnings = normalise(table.frame(spec), spec, table.letters)
    keys = natural_keys(table.kind, df, ctx.employer_code)
    if on_normalised is not None:
        on_normalised(df, keys)
    errors = validate_sheet(table.kind, df, ctx, table.letters)
    verdict = SheetVerdict(table.kind, df, table.letters, keys)
    verdict.issues = errors + warnings + _repeated_headers(table)
    if table.kind == "person_add":
        _add_bases(verdict, ctx)
    return verdict


def _repeated_headers(table: SheetTable) -> list[RowError]:
    """A notice on each row that was the header again (skipped, not declared)."""
    message = messages.render("repeated_header")
    return [
        RowError(row, None, None, "", "repeated_header", message, "warning")
        for row in table.repeated_headers
    ]


def _add_bases(verdict: SheetVerdict, ctx: RuleContext) -> None:
    df = verdict.df
    ok = verdict.candidates()
    df["_base"] = df["月缴费工资"]
    df["_clamped"] = False
    if ok.empty:
        return
    bases, clamped, warnings = clamp_bases(
        df.loc[ok, "月缴费工资"],
        df.loc[ok, "参保年月"],
        ctx,
        "月缴费工资",
        verdict.letters.get("月缴费工资"),
    )
    df.loc[ok, "_base"] = bases
    df.loc[ok, "_clamped"] = clamped
    verdict.issues.extend(warnings)
