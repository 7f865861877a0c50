"""Reading an upload into a table of text with the Excel row number of every row kept.

calamine (Rust) reads .xlsx and .xls; CSV is decoded as UTF-8 or GBK. The header row is
found by its column names, and the declaration kind by the template's hidden marker or,
failing that, by the headers. Whole-file problems raise `FileRejected`.
"""

from __future__ import annotations

import csv
import ctypes
import ctypes.util
import io
import sys
from dataclasses import dataclass, field

import python_calamine as calamine

from importer.cells import cell_text, column_letter
from importer.dimensions import declared_sizes
from importer.errors import FileRejected
from importer.sniff import sniff

MARKER_SHEET = "_shebao"
SKIPPED_SHEETS = {MARKER_SHEET, "_lists", "填写说明"}
HEADER_SCAN_ROWS = 10
# A sheet is read as a grid from A1 to its far corner: 300,000 rows of 60 columns fit,
# a stray space in cell XFD5001 (82 million cells, gigabytes) does not.
MAX_GRID_CELLS = 20_000_000
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)


@dataclass
class RawSheet:
    """The cells of one sheet as text; `rows[i]` is Excel row `i + 1`."""

    name: str
    rows: list[list[str]]


@dataclass
class Workbook:
    """What was read from an upload: its visible sheets and the template marker, if any."""

    file_type: str
    sheets: list[RawSheet]
    marker: dict[str, str] = field(default_factory=dict)


def sniff_upload(data: bytes, file_name: str) -> str:
    """Public alias of the sniffing step, for entry points that check before queueing."""
    return sniff(data, file_name)


def read_workbook(data: bytes, file_name: str) -> Workbook:
    """Read every visible sheet of an upload as text."""
    file_type = sniff(data, file_name)
    if file_type == "csv":
        return Workbook("csv", [RawSheet("CSV", _read_csv(data))])
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise FileRejected(
            "encrypted", "文件设置了打开密码, 系统无法读取。请在 Excel 中取消密码后重新上传。"
        ) from None
    except Exception:
        raise FileRejected(
            "unreadable",
            "文件已损坏或格式不受支持, 无法读取。请用 Excel 打开后另存为 .xlsx 再上传。",
        ) from None
    sizes = declared_sizes(data) if file_type == "xlsx" else {}
    workbook = _sheets_of(book, file_type, sizes)
    del book
    release_freed_memory()
    return workbook


def release_freed_memory() -> None:
    """Hand the memory calamine freed back to the system (glibc keeps it otherwise).

    calamine parses a sheet in C-heap memory that is freed once the rows are Python text,
    but glibc keeps the pages, and neither Python's own allocator nor Arrow's reuses them:
    on a 300,000-row sheet that is 200 MB of peak memory for nothing. Elsewhere than
    glibc this does nothing.
    """
    try:
        _LIBC.malloc_trim(0)
    except AttributeError:
        pass


def _sheets_of(book, file_type: str, sizes: dict[str, tuple[str, int, int]]) -> Workbook:
    sheets, marker = [], {}
    for meta in book.sheets_metadata:
        if meta.name == MARKER_SHEET:
            marker = _marker(book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
            continue
        if meta.name in SKIPPED_SHEETS or meta.visible != calamine.SheetVisibleEnum.Visible:
            continue
        _refuse_absurd_extent(meta.name, sizes.get(meta.name))
        sheet = book.get_sheet_by_name(meta.name)
        rows = _text_rows(sheet)
        _fill_merged_cells(rows, sheet.merged_cell_ranges or [])
        sheets.append(RawSheet(meta.name, rows))
    return Workbook(file_type, sheets, marker)


def _refuse_absurd_extent(name: str, size: tuple[str, int, int] | None) -> None:
    """FileRejected when the sheet's used range would not fit in memory as a grid."""
    if size is None:
        return
    ref, rows, cols = size
    if rows * cols > MAX_GRID_CELLS:
        raise FileRejected(
            "sheet_too_large",
            f"工作表「{name}」的使用范围是 {ref}(约 {rows:,} 行 × {cols:,} 列), 远大于数据所在的"
            "区域, 通常是远处的单元格里有空格、内容或格式。请在 Excel 中选中数据下方和右侧多余的"
            "行和列, 右键「删除」, 保存后重新上传。",
        )


def _text_rows(sheet) -> list[list[str]]:
    """Every row of `sheet` from A1 on, each cell as text.

    Rows are taken one at a time and their texts interned: a column of 是/否 or of one
    month then holds one string, not 100,000 copies. That halves the memory of the cells
    (the whole sheet stays in memory until the reports are written) at about 1 µs a row.
    calamine yields rows from the top of the sheet but columns only from the first used
    one, so rows are padded on the left to keep Excel's column letters.
    """
    start = sheet.start
    left = [""] * (start[1] if start else 0)
    intern = sys.intern
    rows: list[list[str]] = []
    for row in sheet.iter_rows():
        _to_text_in_place(row)
        row[:] = map(intern, row)
        if left:
            row[0:0] = left
        rows.append(row)
    return rows


def _fill_merged_cells(rows: list[list[str]], ranges) -> None:
    """Give every cell of a merged area the value of its top-left cell, as Excel shows it
    (a 增加原因 merged down ten rows is that reason on each of the ten)."""
    for (top, left), (bottom, right) in ranges:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= right:
                row.extend([""] * (right + 1 - len(row)))
            row[left : right + 1] = [value] * (right + 1 - left)


def _to_text_in_place(row: list) -> None:
    """Turn a row's cells into text without copying the row; text cells, most of them,
    are left alone."""
    for i, value in enumerate(row):
        if type(value) is not str:
            row[i] = cell_text(value)


def _marker(rows: list[list[object]]) -> dict[str, str]:
    return {cell_text(r[0]).strip(): cell_text(r[1]).strip() for r in rows if len(r) >= 2}


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected(
            "unreadable",
            "CSV 文件的编码无法识别。请另存为 UTF-8 或 GBK 编码的 CSV, 或直接上传 .xlsx。",
        )
    dialect: type[csv.Dialect] = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        pass
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def clean_header(text: str) -> str:
    """A header cell without the decorations people add: spaces, line breaks, `*`."""
    return (
        "".join(text.split())
        .replace("*", "")
        .replace("＊", "")
        .replace("（", "(")
        .replace("）", ")")
    )


def header_letters(header_row: list[str]) -> dict[str, str]:
    """Header → its column letter in the uploaded sheet (first occurrence)."""
    out: dict[str, str] = {}
    for i, h in enumerate(header_row):
        name = clean_header(h)
        if name and name not in out:
            out[name] = column_letter(i)
    return out


def find_header_row(rows: list[list[str]], known: set[str]) -> tuple[int, int]:
    """(row index, number of known headers) of the row that looks most like a header."""
    best, best_score = -1, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len({clean_header(c) for c in row} & known)
        if score > best_score:
            best, best_score = i, score
    return best, best_score
