"""The error model of sheet validation.

Hierarchy:
    RowError            one problem of one cell (or row), error or warning; a value, not raised
    ValidationSetupError  a programming error: a check without a message in the catalogue
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem found in a sheet, located the way the user sees it in Excel.

    `row` is the Excel row number (None for a problem of the whole file), `column` the
    Chinese header, `letter` the column letter in the uploaded sheet.
    """

    row: int | None
    column: str | None
    letter: str | None
    value: str
    code: str
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict:
        """The JSON shape shared by the CLI, the API and the database."""
        return asdict(self)

    @property
    def location(self) -> str:
        """`第 7 行 C 证件号码`, the way messages and reports name a cell."""
        parts = []
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"{self.letter or ''} {self.column}".strip())
        return " ".join(parts)


class ValidationSetupError(Exception):
    """A check ran whose code has no message: a bug in the catalogue, not in the sheet."""
