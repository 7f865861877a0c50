"""A worksheet that writes plain text cells faster, for the 100,000-row error report.

xlsxwriter's constant-memory mode serialises every text cell through four regular
expressions and a generic attribute writer: about 4 µs a cell, two thirds of the time of
a large error report. Almost every cell of a report is plain text (no markup characters,
no control characters, no surrounding spaces), and for those the XML is one fixed
pattern. `PlainTextWorksheet` writes that pattern directly and hands every other cell to
xlsxwriter unchanged; a test checks both produce byte-identical sheets.

It overrides `_write_cell`, an internal of xlsxwriter reached through the public
`worksheet_class` hook of `add_worksheet`; pyproject pins xlsxwriter below 4 for that.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet

# Anything xlsxwriter would escape or mark: XML markup, control characters (tab and line
# break included), its own _xHHHH_ escapes, non-characters, leading or trailing space, and
# the rich-string prefix.
NEEDS_XLSXWRITER = re.compile(r'["&<>\x00-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$|^<r>')


class PlainTextWorksheet(Worksheet):
    """A Worksheet whose constant-memory writer takes a short path for plain text."""

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

    def _is_plain_text(self, row: int, cell) -> bool:
        """A text cell with neither its own nor a row format, needing no escape."""
        return (
            self.constant_memory
            and type(cell).__name__ == "String"
            and cell.format is None
            and not (row in self.row_info and self.row_info[row].row_format)
            and not NEEDS_XLSXWRITER.search(cell.string)
        )
