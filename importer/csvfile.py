"""Reading a CSV upload into rows of text, with the same budget as a workbook.

Encodings: UTF-8 (with or without BOM), GBK/GB18030, and UTF-16 with a BOM, which is what
Excel's 「Unicode 文本」 saves (tab-separated). A CSV has no limits of its own, so Excel's are
applied while reading: at most 16,384 columns, 32,767 characters a field, and the sheet
never larger as a grid than a workbook may be; more lines than the row limit are refused
before parsing. Every refusal says what was found and where.
"""

from __future__ import annotations

import csv
import io

from importer.errors import FileRejected

MAX_COLUMNS = 16_384  # Excel's XFD
MAX_FIELD = 32_767  # characters in one Excel cell
ROW_SLACK = 100
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_csv(data: bytes, max_rows: int, max_grid: int) -> list[list[str]]:
    """The rows of a CSV upload; FileRejected when it cannot or must not be read."""
    text, tabbed = _decode(data)
    lines = text.count("\n") + 1
    if lines > max_rows + ROW_SLACK:
        raise FileRejected(
            "too_many_rows",
            f"CSV 文件有 {lines:,} 行, 超过了每次最多 {max_rows:,} 行的限制。请分成几个文件上传。",
        )
    nul = text.find("\x00")
    if nul >= 0:
        raise FileRejected(
            "csv_nul",
            f"CSV 文件第 {text.count(chr(10), 0, nul) + 1} 行有空字符(NUL), 这通常说明文件不是"
            "纯文本, 或在复制、转换时损坏了。请用 Excel 打开后「另存为」.xlsx 或 CSV UTF-8 再上传。",
        )
    dialect: type[csv.Dialect] = csv.excel_tab if tabbed else csv.excel
    if not tabbed:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        except csv.Error:
            pass
    return _parse(text, dialect, max_grid)


def _decode(data: bytes) -> tuple[str, bool]:
    """(text, whether it is Excel's tab-separated 「Unicode 文本」)."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), True
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), False
        except UnicodeDecodeError:
            continue
    raise FileRejected(
        "unreadable",
        "CSV 文件的编码无法识别。请另存为 UTF-8 或 GBK 编码的 CSV, 或直接上传 .xlsx。",
    )


def _parse(text: str, dialect, max_grid: int) -> list[list[str]]:
    rows: list[list[str]] = []
    width = 0
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            if len(row) > width:
                width = len(row)
                if width > MAX_COLUMNS:
                    raise _too_wide(reader.line_num, width)
            if any(len(cell) > MAX_FIELD for cell in row):
                raise _field_too_long(reader.line_num)
            rows.append(row)
            if len(rows) * width > max_grid:
                raise _too_wide(reader.line_num, width)
    except csv.Error:
        raise _field_too_long(reader.line_num) from None
    return rows


def _too_wide(line: int, width: int) -> FileRejected:
    return FileRejected(
        "sheet_too_large",
        f"CSV 文件第 {line:,} 行有 {width:,} 列, 表格因此大得无法读取(Excel 最多 {MAX_COLUMNS:,} 列, "
        "申报表只有二十来列)。通常是某行多了大量逗号或分隔符。请用 Excel 打开, 删除多余的列后"
        "另存为 .xlsx 再上传。",
    )


def _field_too_long(line: int) -> FileRejected:
    return FileRejected(
        "csv_field_too_long",
        f'CSV 文件从第 {line:,} 行附近起有一个超过 {MAX_FIELD:,} 个字的单元格, 多半是某个英文引号 " '
        "没有配对, 把后面的内容都当成了一个单元格。请检查该行的引号(成对出现, 或删去), "
        "或用 Excel 打开后另存为 .xlsx 再上传。",
    )
