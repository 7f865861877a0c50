"""Excel downloads: lists exported as .xlsx, and attachments with Chinese file names."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from urllib.parse import quote

from flask import Response

from templates_xlsx.cells import excel_safe
from templates_xlsx.quick_zip import QuickWorkbook

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, file_name: str, ascii_name: str) -> Response:
    """An .xlsx attachment named `file_name` (UTF-8, RFC 5987 `filename*`) with an ASCII
    `filename` for clients that cannot read that (`batch_8_report.xlsx`, not `8_.xlsx`)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", ascii_name)
    encoded = quote(file_name, safe="")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    response = Response(data, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = disposition
    response.headers["Content-Length"] = str(len(data))
    return response


def xlsx_table(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A one-sheet workbook: bold frozen header row, every cell written as text."""
    buf = io.BytesIO()
    # constant_memory streams rows to disk: exports of large rosters stay small in RAM.
    book = QuickWorkbook(buf, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(sheet_title[:31])
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1})
    text = book.add_format({"num_format": "@"})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet.freeze_panes(1, 0)
    for col, header in enumerate(headers):
        sheet.write_string(0, col, excel_safe(header), bold)
        sheet.set_column(col, col, max(10, len(header) * 2 + 2), text)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            _write(sheet, r, col, value, text, money)
    book.close()
    return buf.getvalue()


def _write(sheet, row: int, col: int, value: object, text, money) -> None:
    if isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), money)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        # Everything else as text: IDs and months must not turn into numbers in Excel, and
        # text a clerk typed (file names, names) must never start a formula.
        sheet.write_string(row, col, "" if value is None else excel_safe(str(value)), text)
