"""Excel 5.0/95 and older workbooks (BIFF5 and before), read with xlrd.

calamine reads BIFF8 (Excel 97-2003) well, but in older files it takes the text of the
file's code page (GBK in Chinese offices) byte by byte, so 张三 comes out as mojibake and
the clerk is told to use the template he used. xlrd decodes these files by their
CODEPAGE record. Cells become the text Excel shows, as for every other format.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import xlrd

from importer.cells import cell_text
from importer.errors import damaged

BIFF8 = 80


def is_legacy(data: bytes) -> bool:
    """Whether an OLE2 workbook is older than BIFF8 (False when xlrd cannot tell)."""
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception:
        return False  # calamine will say what is wrong with it
    try:
        return book.biff_version < BIFF8
    finally:
        book.release_resources()


def read_sheets(data: bytes) -> Iterator[tuple[str, bool, list[list[str]]]]:
    """(name, visible, rows of text) of every sheet of a legacy workbook."""
    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception:
        raise damaged("旧版 Excel 文件的内容无法解析") from None
    for sheet in book.sheets():
        rows = [
            [sys.intern(_text(cell, book.datemode)) for cell in sheet.row(r)]
            for r in range(sheet.nrows)
        ]
        yield sheet.name, sheet.visibility == 0, rows


def _text(cell: xlrd.sheet.Cell, datemode: int) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#N/A")
    return cell_text(cell.value)
