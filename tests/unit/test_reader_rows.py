"""The reader keeps Excel's geometry (rows and columns from A1) and shares equal texts."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import xlsxwriter

from importer.budget import check_xlsx
from importer.errors import FileRejected
from importer.reader import read_workbook

REPO = Path(__file__).resolve().parents[2]


def _book(cells: dict[tuple[int, int], object]) -> bytes:
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as book:
        sheet = book.add_worksheet("数据")
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        for (r, c), value in cells.items():
            sheet.write(r, c, value, date if isinstance(value, dt.date) else None)
        book.add_worksheet("空表")
    return buf.getvalue()


def test_a_table_starting_at_c3_keeps_its_row_numbers_and_column_letters():
    data = _book({(2, 2): "姓名", (2, 3): "证件号码", (4, 3): 330682199003150018.0})
    sheet = read_workbook(data, "a.xlsx").sheets[0]
    assert sheet.rows == [
        ["", "", "", ""],
        ["", "", "", ""],
        ["", "", "姓名", "证件号码"],
        ["", "", "", ""],
        ["", "", "", "3.3068219900315E+17"],  # as Excel shows an ID typed as a number
    ]


def test_numbers_dates_and_booleans_become_the_text_excel_shows():
    data = _book({(0, 0): 6500, (0, 1): 12.5, (0, 2): dt.date(2026, 11, 1), (0, 3): True})
    (row,) = read_workbook(data, "a.xlsx").sheets[0].rows
    assert row == ["6500", "12.5", "2026-11-01", "TRUE"]


def test_an_empty_sheet_reads_as_no_rows():
    assert read_workbook(_book({(0, 0): "x"}), "a.xlsx").sheets[1].rows == []


def test_equal_texts_are_one_object_so_a_large_sheet_stays_small():
    data = _book({(r, 0): "居民身份证" for r in range(50)})
    rows = read_workbook(data, "a.xlsx").sheets[0].rows
    assert len({id(row[0]) for row in rows}) == 1


def _stray(row: int, col: int) -> bytes:
    """A two-row sheet with one stray space far away, as users leave them."""
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as book:
        sheet = book.add_worksheet("人员增加")
        sheet.write_row(0, 0, ["姓名", "证件号码"])
        sheet.write_row(1, 0, ["张三", "330682199003150018"])
        sheet.write_string(row, col, " ")
    return buf.getvalue()


def test_the_budget_measures_the_cells_that_hold_a_value_not_the_declared_range():
    budget = check_xlsx(io.BytesIO(_stray(5000, 3)), 300_000)
    scan = budget.sheets["人员增加"]
    assert (scan.far_row, scan.far_col) == (5001, 4)
    template = (REPO / "templates_xlsx" / "person_add.xlsx").read_bytes()
    assert check_xlsx(io.BytesIO(template), 10).sheets["人员增加"].far_row == 2


def test_a_stray_cell_far_right_is_refused_before_it_eats_the_memory():
    with pytest.raises(FileRejected) as caught:
        read_workbook(_stray(1_048_575, 16_383), "a.xlsx")
    assert caught.value.code == "sheet_too_large"
    assert (
        "第 1,048,576 行、第 16,384 列" in caught.value.message and "删除" in caught.value.message
    )


def test_a_stray_cell_far_down_in_a_narrow_sheet_is_read_and_ignored():
    rows = read_workbook(_stray(1_048_575, 0), "a.xlsx").sheets[0].rows
    assert len(rows) == 1_048_576 and rows[1] == ["张三", "330682199003150018"]


def test_merged_cells_read_as_excel_shows_them_on_every_row():
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as book:
        sheet = book.add_worksheet("人员增加")
        sheet.write_row(0, 0, ["姓名", "增加原因", "备注"])
        for r, name in enumerate(["张三", "李四", "王五"], start=1):
            sheet.write(r, 0, name)
        sheet.merge_range(1, 1, 3, 1, "新参保")  # one reason merged down three rows
        sheet.merge_range(4, 0, 4, 2, "以上人员均为十一月入职")  # a note across the row
    rows = read_workbook(buf.getvalue(), "a.xlsx").sheets[0].rows
    assert [row[1] for row in rows[1:4]] == ["新参保"] * 3
    assert rows[4] == ["以上人员均为十一月入职"] * 3
