"""Large workbooks are deflated quickly, and nothing else about them or others changes."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile

import openpyxl
import pytest
import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.workbook

from templates_xlsx.quick_zip import QuickWorkbook


def _book(workbook_class, rows: int = 3000) -> bytes:
    buf = io.BytesIO()
    with workbook_class(buf, {"constant_memory": True}) as book:
        book.set_properties({"created": dt.datetime(2026, 1, 1)})  # bytes comparable
        sheet = book.add_worksheet("表")
        for r in range(rows):
            sheet.write_string(r, 0, f"张伟{r % 97}")
            sheet.write_number(r, 1, r * 1.5)
    return buf.getvalue()


def test_a_quick_workbook_holds_the_same_cells_in_a_differently_deflated_file():
    quick, plain = _book(QuickWorkbook), _book(xlsxwriter.Workbook)
    assert quick != plain
    with zipfile.ZipFile(io.BytesIO(quick)) as q, zipfile.ZipFile(io.BytesIO(plain)) as p:
        assert q.namelist() == p.namelist()
        for name in q.namelist():
            assert q.read(name) == p.read(name)  # the same parts, byte for byte
            assert q.getinfo(name).compress_type == zipfile.ZIP_DEFLATED
        sheet = "xl/worksheets/sheet1.xml"
        assert q.getinfo(sheet).compress_size > p.getinfo(sheet).compress_size
    cells = openpyxl.load_workbook(io.BytesIO(quick), read_only=True)["表"]
    assert next(cells.iter_rows(min_row=2, max_row=2, values_only=True)) == ("张伟1", 1.5)


def test_plain_workbooks_are_deflated_as_before_even_after_a_quick_one():
    before = _book(xlsxwriter.Workbook)
    _book(QuickWorkbook)
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
    assert _book(xlsxwriter.Workbook) == before


def test_the_zip_class_is_put_back_when_storing_fails(monkeypatch):
    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "write", broken)
    with pytest.raises(xlsxwriter.exceptions.FileCreateError):
        _book(QuickWorkbook, rows=10)
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile


def test_quick_workbooks_built_at_once_in_threads_are_all_whole():
    expected = _book(QuickWorkbook, rows=500)
    results: list[bytes] = []

    def build() -> None:
        results.append(_book(QuickWorkbook, rows=500))

    threads = [threading.Thread(target=build) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 6
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
