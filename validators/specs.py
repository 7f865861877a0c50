"""How a template column and a kind's template layout are described, and the columns
several kinds share. Each kind's own spec lives in its module under `importer/kinds/`
(the single source for its template, reading, validation and reports); header names are
exactly those of DOMAIN.md, in its order."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

FieldType = Literal[
    "text",
    "name",
    "id",
    "code",
    "date",
    "month",
    "money",
    "phone",
    "yesno",
    "year",
    "months",
    "ref",
]  # ref: a number we issued (认定编号 GS202600001): spaces dropped, letters upper-cased


@dataclass(frozen=True)
class ColumnSpec:
    """One template column: header, whether required, how its cells are read and checked."""

    name: str
    type: FieldType = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    max_len: int = 200
    min_len: int = 0
    # Money columns: an amount this large is a slip (digits typed twice, a yearly figure
    # in a monthly column), told so; a kind with yearly totals sets its own figure.
    max_amount: float | None = 1_000_000
    default: str = ""
    hint: str = ""
    width: int = 14


@dataclass(frozen=True)
class KindSpec:
    """One declaration kind and its template layout."""

    kind: str
    title: str
    purpose: str
    version: int
    columns: tuple[ColumnSpec, ...]
    example: tuple[str, ...] = field(default=())

    @property
    def headers(self) -> list[str]:
        """The header row, in template order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Headers that must be present in an uploaded sheet and filled in every row."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        """The spec of header `name` (KeyError when the kind has no such column)."""
        return self.by_name[name]

    @cached_property
    def by_name(self) -> dict[str, ColumnSpec]:
        """Header → column spec (asked once per error message: a lookup, not a scan)."""
        return {c.name: c for c in self.columns}


def code_column(name: str, choices: list[str], required: bool = True, **kw) -> ColumnSpec:
    """A column whose cells must be one of `choices` (a drop-down in the template)."""
    return ColumnSpec(name, "code", required, tuple(choices), **kw)


ID_COLUMN = ColumnSpec(
    "证件号码", "id", True, width=22,
    hint="18 位居民身份证号码, 末位 X 大小写均可; 本列已设为文本格式, 请勿改成数值, 否则 Excel 会改掉后几位",
)  # fmt: skip
NAME_COLUMN = ColumnSpec(
    "姓名", "name", True, max_len=30, width=12, hint="2-30 个汉字或字母, 可含空格和间隔号 ·"
)
NOTE_COLUMN = ColumnSpec("备注", "text", False, max_len=200, width=20)

# Written by us beside the data in corrections workbooks; ignored when read back.
ERROR_NOTE_COLUMN = "错误说明"
