"""Workbook builders for tests: sheets are made here, never committed."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

from importer.kinds import spec_of

MARKER_SHEET = "_shebao"


def xlsx_bytes(
    kind: str,
    rows: Sequence[Sequence[object]],
    headers: Sequence[str] | None = None,
    marker: bool = True,
    version: int | None = None,
    title: bool = True,
) -> bytes:
    """An .xlsx shaped like the standard template of `kind`, with `rows` as data.

    Cell values are written as given: pass an int or float to reproduce what Excel does
    with numbers typed into General cells.
    """
    spec = spec_of(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = spec.title
    if title:
        ws.append([f"{spec.title}申报表"])
    ws.append(list(headers if headers is not None else spec.headers))
    for row in rows:
        ws.append(list(row))
    if marker:
        meta = wb.create_sheet(MARKER_SHEET)
        meta.append(["kind", kind])
        meta.append(["version", version if version is not None else spec.version])
        meta.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(kind: str, rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> bytes:
    """A CSV of `kind` with the header row first."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(spec_of(kind).headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)
