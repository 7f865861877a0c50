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
