"""A worksheet that writes plain text cells faster, for the 100,000-row error report.

xlsxwriter's constant-memory mode serialises every text cell through four regular
expressions and a generic attribute writer: about 4 µs a cell, two thirds of the time of
a large error report. Almost every cell of a report is plain text (no markup characters,
no control characters, no surrounding spaces), and for those the XML is one fixed
pattern. `PlainTextWorksheet` writes that pattern directly and hands every other cell to
xlsxwriter unchanged; a test checks both produce byte-identical sheets.

`write_cells` goes one step further for whole rows: the cells of a row that is complete
when written (no cell, format or comment added to it later) go straight to the sheet's
XML, without xlsxwriter's per-cell bookkeeping, which is most of what a cell costs once
its XML is fast. Any row it cannot write exactly as xlsxwriter would is handed to the
ordinary `write_*` calls, cell by cell.

It overrides `_write_cell`, an internal of xlsxwriter reached through the public
`worksheet_class` hook of `add_worksheet`, and uses the constant-memory writer's state
(`previous_row`, `row_info`, `comments`, `col_info`); pyproject pins xlsxwriter below 4.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Sequence
from functools import lru_cache

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellStringTuple, Worksheet

# (column, value, format): text, a number, or "" with a format for a blank formatted cell.
Cell = tuple[int, str | float, Format | None]
# xlsxwriter truncates longer text (and warns); such rows take its own path.
_SHORT_ENOUGH = 16_000

# Anything xlsxwriter would escape or mark: XML markup, control characters (tab and line
# break included), its own _xHHHH_ escapes, non-characters, leading or trailing space, and
# the rich-string prefix.
NEEDS_XLSXWRITER = re.compile(r'["&<>\x00-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$|^<r>')


# The same test for a whole row at once: its text values joined by NUL (which no cell may
# hold: the join is checked to have made exactly the separators it put in), the
# anchors ^ and $ becoming "next to a NUL". One search a row instead of one a cell.
_JOIN = "\x00"
ROW_NEEDS_XLSXWRITER = re.compile(r'["&<>\x01-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|\x00\s|\s\x00')
_TEXT_END = "</t></is></c>"
_COPY_CHUNK = 1 << 20


@lru_cache(maxsize=1024)
def _column_name(col: int) -> str:
    """A..Z, AA.. of a zero-based column (a sheet has few: cached)."""
    return xl_col_to_name(col)


def _style(fmt: Format) -> str:
    """The ` s="N"` attribute of a format (its index is fixed once first asked for)."""
    return f' s="{fmt._get_xf_index()}"'


class PlainTextWorksheet(Worksheet):
    """A Worksheet whose constant-memory writer takes a short path for plain text."""

    def __init__(self) -> None:
        super().__init__()
        # (column, format) → the XML of a cell before and after its row number.
        self._heads: dict[tuple[int, Format | None], tuple[str, str]] = {}

    def _write_cell(self, row: int, col: int, cell) -> None:
        if not self._is_plain_text(row, cell):
            super()._write_cell(row, col, cell)
            return
        style = ""
        column = self.col_info.get(col)
        if column is not None and column.column_format is not None:
            style = f' s="{column.column_format._get_xf_index()}"'
        ref = xl_rowcol_to_cell_fast(row, col)
        self.fh.write(f'<c r="{ref}"{style} t="inlineStr"><is><t>{cell.string}</t></is></c>')

    def write_cells(self, row: int, cells: Sequence[Cell]) -> None:
        """Write a complete row's `cells` (in column order), exactly as `write_string`,
        `write_number` and `write_blank` on each would; nothing may be added to the row
        afterwards (no cell, no comment: a row's comments are written before its cells,
        and such a row takes xlsxwriter's own path)."""
        if not self._row_direct_possible(row, cells):
            self._write_one_by_one(row, cells)
            return
        # As the first write_* to this row would: the row before goes out (before this
        # row's formats are first asked for their index, so that indexes keep their order).
        if row > self.previous_row:
            self._write_single_row(row)
        plain = self._plain_row(row, cells)
        if plain is None and not self._cells_direct_possible(cells):
            self._write_one_by_one(row, cells)
            return
        self._open_row(row, cells)
        if plain is not None:
            plain.append("</row>")
            self.fh.write("".join(plain))
        else:
            self._write_careful(row, cells)
        # Written: the constant-memory writer must not write the row again (as an empty
        # row with its height) when it moves on to the next one.
        self.row_info.pop(row, None)

    def _write_optimized_sheet_data(self) -> None:
        """As xlsxwriter's: the rows written to the temporary file go into the sheet's
        XML; copied as bytes, where xlsxwriter decodes and encodes them again as text
        (a second or more of a 100,000-row report's 180 MB)."""
        if self.dim_rowmin is None or not hasattr(self.fh, "buffer"):
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.flush()
        self.fh.flush()  # what the text layer holds goes first, then the bytes
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, self.fh.buffer, _COPY_CHUNK)
        self.row_data_fh.close()
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def set_column_pixels(self, *args, **kwargs):
        """As xlsxwriter's; a column's format may change, so the cached cell heads go."""
        self._heads = {}
        return super().set_column_pixels(*args, **kwargs)

    def _open_row(self, row: int, cells: Sequence[Cell]) -> None:
        # As the write_* calls would: the dimensions grow, the row's tag opens.
        self._check_dimensions(row, cells[0][0])
        self._check_dimensions(row, cells[-1][0])
        self._write_row(row, None, self.row_info.get(row))

    def _plain_row(self, row: int, cells: Sequence[Cell]) -> list[str] | None:
        """The XML of each cell of a row that needs no escape and holds only short text,
        finite numbers and formatted blanks; None when any cell needs more care."""
        texts = [value for _, value, _ in cells if value.__class__ is str]
        joined = _JOIN.join(texts)
        if (
            len(joined) > _SHORT_ENOUGH
            or joined.count(_JOIN) != len(texts) - 1
            or ROW_NEEDS_XLSXWRITER.search(f"{_JOIN}{joined}{_JOIN}")
        ):
            return None
        number = str(row + 1)
        heads = self._heads
        parts: list[str] = []
        for col, value, fmt in cells:
            head = heads.get((col, fmt)) or self._head(col, fmt)
            if value.__class__ is str:
                if value:
                    parts.append(
                        f'{head[0]}{number}{head[1]} t="inlineStr"><is><t>{value}{_TEXT_END}'
                    )
                elif fmt is not None:
                    parts.append(f"{head[0]}{number}{head[1]}/>")
                else:
                    return None
            elif value.__class__ in (int, float) and math.isfinite(value):
                parts.append(f"{head[0]}{number}{head[1]}><v>{value:.16G}</v></c>")
            else:
                return None
        return parts

    def _head(self, col: int, fmt: Format | None) -> tuple[str, str]:
        """The text before and after a cell's row number: `<c r="B` and `" s="3"`."""
        style = _style(fmt) if fmt is not None else self._column_style(col)
        head = (f'<c r="{_column_name(col)}', f'"{style}')
        self._heads[(col, fmt)] = head
        return head

    def _write_careful(self, row: int, cells: Sequence[Cell]) -> None:
        """The cells of a row some of whose text xlsxwriter must escape or mark."""
        parts: list[str] = []
        number = str(row + 1)
        needs_xlsxwriter = NEEDS_XLSXWRITER.search
        heads = self._heads
        for col, value, fmt in cells:
            head = heads.get((col, fmt)) or self._head(col, fmt)
            opening = f"{head[0]}{number}{head[1]}"  # <c r="B7" s="3"
            if type(value) is not str:
                parts.append(f"{opening}><v>{value:.16G}</v></c>")
            elif not value:
                parts.append(f"{opening}/>")
            elif needs_xlsxwriter(value):
                # Text xlsxwriter escapes or marks: its own cell writer, in sequence.
                self.fh.write("".join(parts))
                parts.clear()
                self._write_cell(row, col, CellStringTuple(value, fmt))
            else:
                parts.append(f'{opening} t="inlineStr"><is><t>{value}{_TEXT_END}')
        parts.append("</row>")
        self.fh.write("".join(parts))

    def _row_direct_possible(self, row: int, cells: Sequence[Cell]) -> bool:
        if not cells or not self.constant_memory or row <= self.previous_row:
            return False
        if row in self.comments or (row in self.row_info and self.row_info[row].row_format):
            return False
        return row < self.xls_rowmax and cells[-1][0] < self.xls_colmax

    @staticmethod
    def _cells_direct_possible(cells: Sequence[Cell]) -> bool:
        for _, value, fmt in cells:
            if type(value) is str:
                if (not value and fmt is None) or len(value) > _SHORT_ENOUGH:
                    return False
            elif isinstance(value, bool) or not isinstance(value, float | int):
                return False
            elif not math.isfinite(value):
                return False
        return True

    def _write_one_by_one(self, row: int, cells: Sequence[Cell]) -> None:
        for col, value, fmt in cells:
            if type(value) is str:
                if value:
                    self.write_string(row, col, value, fmt)
                else:
                    self.write_blank(row, col, None, fmt)
            else:
                self.write_number(row, col, value, fmt)

    def _column_style(self, col: int) -> str:
        column = self.col_info.get(col)
        if column is None or column.column_format is None:
            return ""
        return _style(column.column_format)

    def _is_plain_text(self, row: int, cell) -> bool:
        """A text cell with neither its own nor a row format, needing no escape."""
        return (
            self.constant_memory
            and type(cell).__name__ == "String"
            and cell.format is None
            and not (row in self.row_info and self.row_info[row].row_format)
            and not NEEDS_XLSXWRITER.search(cell.string)
        )
