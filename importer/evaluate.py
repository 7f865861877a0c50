"""Judging a sheet without the database: normalise, validate, compute bases and natural
keys. Produces the issues of every row and the rows fit to go on to the registry checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from importer.kinds import get_kind
from importer.kinds.base import Kind
from importer.layout import SheetTable
from importer.normalise import normalise
from validators import messages
from validators.context import RuleContext
from validators.errors import RowError
from validators.idcard import derive_from_id
from validators.sheet import validate_sheet


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


def natural_keys(kind: Kind, df: pd.DataFrame, employer_code: str) -> pd.Series:
    """employer | kind | the kind's key columns (for a person kind: ID number | effective
    month / year / insurance): what makes two rows the same act."""
    keys = pd.Series(f"{employer_code}|{kind.name}", index=df.index, dtype="str")
    for column in kind.key_columns:
        keys = keys + "|" + df[column]
    return keys


def evaluate_sheet(
    table: SheetTable,
    ctx: RuleContext,
    on_normalised: Callable[[pd.DataFrame, pd.Series], None] | None = None,
) -> SheetVerdict:
    """Normalise and validate `table`; add the kind's derived columns (bases ...).

    `on_normalised(df, keys)` is called between normalising and validating, with the
    normalised sheet and its natural keys (the pipeline starts its registry reads there).
    """
    kind = get_kind(table.kind)
    df, warnings = normalise(table.frame(kind.spec), kind.spec, table.letters)
    warnings += _header_notices(table, df)
    keys = natural_keys(kind, df, ctx.employer_code)
    if on_normalised is not None:
        on_normalised(df, keys)
    errors = validate_sheet(kind.rules, df, ctx, table.letters)
    verdict = SheetVerdict(table.kind, df, table.letters, keys)
    verdict.issues = errors + warnings + _repeated_headers(table) + _untouched(kind, table)
    kind.derive(verdict, ctx)
    return verdict


def _header_notices(table: SheetTable, df: pd.DataFrame) -> list[RowError]:
    """One 提示 per header read under another name, and per column taken from the ID
    number (which fills it in `df`): the clerk sees exactly how the sheet was read."""
    notices = []
    for typed, standard, source in table.mapping.renamed:
        how = "按本单位上次的对应" if source == "employer" else "系统识别为"
        message = messages.render("header_mapped", typed=typed, standard=standard, how=how)
        notices.append(
            _sheet_notice(standard, table.letters.get(standard), "header_mapped", message)
        )
    for column in table.mapping.from_id:
        df[column] = derive_from_id(df["证件号码"], column)
        message = messages.render("derived_from_id", column=column)
        notices.append(_sheet_notice(column, None, "derived_from_id", message))
    return notices


def _sheet_notice(column: str, letter: str | None, code: str, message: str) -> RowError:
    return RowError(None, column, letter, "", code, message, "warning")


def _repeated_headers(table: SheetTable) -> list[RowError]:
    """A notice on each row that was the header again (skipped, not declared)."""
    message = messages.render("repeated_header")
    return [
        RowError(row, None, None, "", "repeated_header", message, "warning")
        for row in table.repeated_headers
    ]


_LISTED_ROWS = 10


def _untouched(kind: Kind, table: SheetTable) -> list[RowError]:
    """One sheet-level notice counting the pre-filled rows nobody filled in (skipped)."""
    if not table.untouched:
        return []
    shown = "、".join(str(r) for r in table.untouched[:_LISTED_ROWS])
    more = " 等" if len(table.untouched) > _LISTED_ROWS else ""
    message = messages.render(
        "untouched_prefilled",
        count=f"{len(table.untouched):,}",
        prefilled="、".join(kind.prefilled_columns),
        actions="、".join(kind.action_columns),
        rows=shown + more,
    )
    return [RowError(None, None, None, "", "untouched_prefilled", message, "warning")]
