"""The error report's fast worksheet writes exactly what xlsxwriter itself would."""

from __future__ import annotations

import io
import zipfile

import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from templates_xlsx.fast_sheet import PlainTextWorksheet

TRICKY = ["张伟", "a&b", "<x>", '"q"', " lead", "trail ", "tab\there", "line\nbreak",
          "_x0041_", "\x01ctl", "\ufffe", "<r>rich</r>", "=SUM(A1)", "'=1", "12.50"]  # fmt: skip


def _sheet_xml(worksheet_class, rows: list[list[str]]) -> bytes:
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"constant_memory": True}) as book:
        text = book.add_format({"num_format": "@"})
        red = book.add_format({"bg_color": "#F8C9C4"})
        sheet = book.add_worksheet("s", worksheet_class=worksheet_class)
        sheet.set_column(0, 2, 14, text)  # some columns formatted, later ones not
        sheet.set_row(3, None, red)  # a row format wins over the column format
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                sheet.write_string(r, c, value, red if (r + c) % 5 == 0 else None)
            sheet.write_number(r, len(cells), r)
        sheet.write_comment(1, 1, "说明")
    return zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("xl/worksheets/sheet1.xml")


def test_tricky_strings_are_written_byte_for_byte_as_xlsxwriter_does():
    rows = [TRICKY[i:] + TRICKY[:i] for i in range(len(TRICKY))]
    assert _sheet_xml(PlainTextWorksheet, rows) == _sheet_xml(None, rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), min_size=1, max_size=8))
def test_any_text_is_written_byte_for_byte_as_xlsxwriter_does(rows):
    assert _sheet_xml(PlainTextWorksheet, rows) == _sheet_xml(None, rows)


# A cell for `write_cells`: text (tricky or any), a number, or a formatted blank.
_CELL_VALUES = st.one_of(
    st.sampled_from(TRICKY), st.text(max_size=10), st.floats(-1e9, 1e9), st.integers(-9, 10**9)
)


def _rows_xml(direct: bool, rows: list[list], heights: set[int]) -> bytes:
    """A sheet of `rows` written by `write_cells` (direct) or cell by cell by xlsxwriter."""
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"constant_memory": True}) as book:
        text = book.add_format({"num_format": "@"})
        red = book.add_format({"bg_color": "#F8C9C4"})
        sheet = book.add_worksheet("s", worksheet_class=PlainTextWorksheet if direct else None)
        sheet.set_column(0, 2, 14, text)
        sheet.write_string(0, 0, "表头", red)
        for r, values in enumerate(rows, start=1):
            if r in heights:
                sheet.set_row(r, 30)
            cells = []
            for c, value in enumerate(values):
                fmt = red if (r + c) % 4 == 0 else None
                if value == "" and fmt is None:
                    continue  # an empty unformatted cell is not written at all
                cells.append((c * 2, value, fmt))
            if direct:
                sheet.write_cells(r, cells)
                continue
            for c, value, fmt in cells:
                if isinstance(value, str):
                    if value:
                        sheet.write_string(r, c, value, fmt)
                    else:
                        sheet.write_blank(r, c, None, fmt)
                else:
                    sheet.write_number(r, c, value, fmt)
        sheet.write_comment(len(rows) + 3, 0, "说明")
    return zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("xl/worksheets/sheet1.xml")


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(_CELL_VALUES, min_size=0, max_size=6), min_size=1, max_size=8),
    st.sets(st.integers(1, 8)),
)
def test_whole_rows_are_written_byte_for_byte_as_xlsxwriter_does(rows, heights):
    assert _rows_xml(True, rows, heights) == _rows_xml(False, rows, heights)
