"""The error report and the corrections workbook of a batch, built once and kept.

Error report: the sheet as uploaded, at the same Excel row numbers, bad cells filled red
(warnings yellow) with the message as a comment, a 错误说明 column, and a 问题清单 sheet.
Corrections workbook: the standard template holding only the rejected rows, as typed,
with a 错误说明 column the importer ignores when the file comes back.
Both use xlsxwriter in constant-memory mode; every user value passes `excel_safe`. The
worker builds them right after a batch (`prepare_reports`) from the sheet the import
already read; a download before that (or after a worker restart) reads the stored file
and builds the one asked for.
"""

from __future__ import annotations

import heapq
import io
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from importer.kinds import spec_of
from importer.layout import SheetTable, locate_table
from importer.reader import read_workbook
from registry.models import ISSUE_SHEET_ORDER, Batch, BatchIssue, BatchReport, Declaration
from registry.uow import UnitOfWork
from templates_xlsx.build import write_rows_workbook
from templates_xlsx.cells import excel_safe
from templates_xlsx.fast_sheet import PlainTextWorksheet
from templates_xlsx.quick_zip import QuickWorkbook
from validators.specs import ERROR_NOTE_COLUMN

SEVERITY_LABEL = {"error": "错误", "warning": "提示"}
ISSUE_FIELDS = (
    BatchIssue.excel_row,
    BatchIssue.column,
    BatchIssue.letter,
    BatchIssue.value,
    BatchIssue.code,
    BatchIssue.message,
    BatchIssue.severity,
)
# Cell comments on the first rows with issues only: beyond that a comment per row costs
# more than the rest of the workbook (Excel's VML shapes) and helps nobody: the cells
# are still filled red or yellow and the row's 错误说明 holds every message.
COMMENTED_ROWS = 1000


# One issue as read for the reports: a row of ISSUE_FIELDS (attributes named like them).
Issue = Any


class ReportUnavailable(Exception):
    """The batch has no report (not finished, or the file was rejected as a whole)."""


@dataclass
class _Source:
    """What both workbooks are made from: the file as read, the issues, the rejected rows."""

    batch_id: int
    table: SheetTable
    issues: Sequence[Issue]
    rejected: set[int]


def _load(uow: UnitOfWork, batch_id: int, table: SheetTable | None = None) -> _Source:
    batch = uow.session.get(Batch, batch_id)
    if batch is None or batch.status != "done":
        raise ReportUnavailable("批次尚未处理完成, 暂时没有报告。")
    if table is None:
        table = locate_table(
            read_workbook(batch.file_bytes, batch.file_name), batch.kind, max_rows=10**7
        )
    # Plain rows, not ORM objects: a sheet wrong on every row has 100,000 issues or more.
    issues = uow.session.execute(
        select(*ISSUE_FIELDS)
        .where(BatchIssue.batch_id == batch_id)
        .order_by(ISSUE_SHEET_ORDER, BatchIssue.id)
    ).all()
    rejected = set(
        uow.session.scalars(
            select(Declaration.excel_row).where(
                Declaration.batch_id == batch_id, Declaration.status == "rejected"
            )
        )
    )
    return _Source(batch_id, table, issues, rejected)


def _cached(uow: UnitOfWork, batch_id: int, name: str) -> bytes:
    with uow:
        kept = uow.session.get(BatchReport, (batch_id, name))
        if kept is not None:
            return kept.data
        source = _load(uow, batch_id)
        data = BUILDERS[name](source)
        _keep(uow, batch_id, name, data)
        return data


def _keep(uow: UnitOfWork, batch_id: int, name: str, data: bytes) -> None:
    """Store a built workbook, unless one is stored already. The worker and a download
    that came first may build the same workbook at once: the second to store it finds
    the key taken and keeps the first (they are the same workbook)."""
    if uow.session.get(BatchReport, (batch_id, name)) is not None:
        return
    uow.session.add(BatchReport(batch_id=batch_id, name=name, data=data))
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()


def error_report(uow: UnitOfWork, batch_id: int) -> bytes:
    """The uploaded sheet annotated with every error and warning (xlsx bytes)."""
    return _cached(uow, batch_id, "report")


def corrections_workbook(uow: UnitOfWork, batch_id: int) -> bytes:
    """The template with only the rejected rows, as typed, and why each was rejected."""
    return _cached(uow, batch_id, "corrections")


def prepare_reports(
    uow: UnitOfWork, batch_id: int, table: SheetTable | None = None
) -> dict[str, float]:
    """Build and keep both workbooks of a finished batch, reading its file at most once
    (not at all when given the `table` the import read). Returns seconds per workbook."""
    timings: dict[str, float] = {}
    with uow:
        batch = uow.session.get(Batch, batch_id)
        if batch is None or batch.status != "done":
            return timings
        start = time.perf_counter()
        source = _load(uow, batch_id, table)
        for name, build in BUILDERS.items():
            _keep(uow, batch_id, name, build(source))
            timings[name] = time.perf_counter() - start
            start = time.perf_counter()
    return timings


def _label(issue: Issue) -> str:
    where = f"【{issue.letter} {issue.column}】" if issue.column else ""
    return f"{where}{issue.message}"


def build_error_report(source: _Source) -> bytes:
    """The error report workbook of `source`."""
    by_row: dict[int | None, list[Issue]] = defaultdict(list)
    for issue in source.issues:
        by_row[issue.excel_row].append(issue)
    buf = io.BytesIO()
    with QuickWorkbook(buf, {"constant_memory": True}) as book:
        fmt = _formats(book)
        sheet = book.add_worksheet("错误报告", worksheet_class=PlainTextWorksheet)
        _write_annotated(sheet, fmt, source.table, by_row)
        listed = book.add_worksheet("问题清单", worksheet_class=PlainTextWorksheet)
        _write_issue_list(listed, fmt, source.issues)
    return buf.getvalue()


def _formats(book) -> dict:
    note = {"text_wrap": True, "valign": "top"}
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "head": book.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1}),
        "text": book.add_format({"num_format": "@"}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "error": book.add_format({"num_format": "@", "bg_color": "#F8C9C4"}),
        "warning": book.add_format({"num_format": "@", "bg_color": "#FFF2B3"}),
        "note": book.add_format({**note, "font_color": "#9C0006"}),
        "note_warning": book.add_format({**note, "font_color": "#7A5200"}),
    }


# A plain amount as a number (Excel sums it); anything else stays the text it was.
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
NOTE_LINE_HEIGHT = 15  # points per line of a wrapped 错误说明
MAX_NOTE_LINES = 8


def _column_layout(table: SheetTable) -> tuple[dict[int, int], set[int]]:
    """(column index → width as in the template, indexes of money columns) for the
    template's columns of the uploaded sheet."""
    spec = spec_of(table.kind)
    widths, money = {}, set()
    for header, i in table.positions().items():
        if header in spec.headers:
            column = spec.column(header)
            widths[i] = column.width
            if column.type == "money":
                money.add(i)
    return widths, money


def _write_annotated(sheet, fmt: dict, table: SheetTable, by_row: dict) -> None:
    width = len(table.raw_header)
    head = table.header_row - 1
    # Text format on the columns, not on each cell: the same result, far less XML.
    sheet.set_column(0, width - 1, 14, fmt["text"])
    widths, money = _column_layout(table)
    for c, w in widths.items():
        sheet.set_column(c, c, w, fmt["money"] if c in money else fmt["text"])
    sheet.set_column(width, width, 60)
    for r, cells in enumerate(table.above_header):
        for c, value in enumerate(cells):
            if value:
                sheet.write_string(r, c, excel_safe(value), fmt["title"] if r == 0 else None)
    for c, text in enumerate(table.raw_header):
        sheet.write_string(head, c, excel_safe(text), fmt["head"])
    sheet.write_string(head, width, ERROR_NOTE_COLUMN, fmt["head"])
    sheet.freeze_panes(table.header_row, 0)
    positions = table.positions()
    cell = _CellWriter(money)
    # Rows that repeated the header were not data, but they were in the upload: they go
    # back at their row numbers (constant-memory writing needs rows in order).
    repeated = [(r, table.raw_header) for r in table.repeated_headers]
    rows = heapq.merge(zip(table.excel_rows, table.rows, strict=True), repeated)
    marked = 0
    for excel_row, cells in rows:
        issues = by_row.get(excel_row)
        if not issues:
            sheet.write_cells(excel_row - 1, cell.plain(cells))
            continue
        marked += 1
        marks = _marks(issues, positions)
        _set_note_height(sheet, excel_row - 1, issues)
        if marked <= COMMENTED_ROWS:
            _comment_marked_cells(sheet, excel_row - 1, len(cells), marks)
        marked_cells = _marked_cells(fmt, cells, marks, cell)
        sheet.write_cells(excel_row - 1, [*marked_cells, (width, *_note(fmt, issues))])


class _CellWriter:
    """Unmarked cells of a data row: amounts in money columns as numbers, the rest as text."""

    def __init__(self, money: set[int]):
        self.money = money

    def value(self, c: int, value: str) -> str | float:
        """What an unmarked cell holds in the report."""
        if c in self.money and _AMOUNT.match(value):
            return float(value)
        return excel_safe(value)

    def plain(self, cells: list[str]) -> list[tuple]:
        """The cells of an unmarked row, for `write_cells`."""
        return [(c, self.value(c, v), None) for c, v in enumerate(cells) if v]


def _marks(issues: list, positions: dict) -> dict[int, list]:
    """Column index → the issues of a row on that column."""
    marks: dict[int, list] = defaultdict(list)
    for issue in issues:
        if issue.column in positions:
            marks[positions[issue.column]].append(issue)
    return marks


def _set_note_height(sheet, r: int, issues: list) -> None:
    """Constant-memory writing: the row's height goes before its cells."""
    lines = sum(1 + len(i.message) // 45 for i in issues)
    sheet.set_row(r, NOTE_LINE_HEIGHT * min(max(lines, 1), MAX_NOTE_LINES))


def _worst(found: list) -> str:
    return "error" if any(i.severity == "error" for i in found) else "warning"


def _marked_cells(fmt, cells: list[str], marks: dict[int, list], cell: _CellWriter) -> list[tuple]:
    """The cells of a marked row without comments, for `write_cells` (the note apart)."""
    out: list[tuple] = []
    for c, value in enumerate(cells):
        found = marks.get(c)
        if found:
            out.append((c, excel_safe(value), fmt[_worst(found)]))
        elif value:
            out.append((c, cell.value(c, value), None))
    return out


def _comment_marked_cells(sheet, r: int, width: int, marks: dict[int, list]) -> None:
    """The messages of a marked row among the first COMMENTED_ROWS, as a comment on each
    marked cell; written before the row's cells (`write_cells` then writes the row the
    way xlsxwriter does, comments included)."""
    for c, found in sorted(marks.items()):
        if c < width:
            message = "\n".join(i.message for i in found)
            sheet.write_comment(r, c, message, {"x_scale": 2.5, "y_scale": 2})


def _note(fmt, issues: list) -> tuple[str, object]:
    """The text and format of a marked row's 错误说明 cell, right of its data."""
    only_warnings = all(i.severity == "warning" for i in issues)
    note = fmt["note_warning"] if only_warnings else fmt["note"]
    return "\n".join(_label(i) for i in issues), note


def _write_issue_list(sheet, fmt: dict, issues: Sequence[Issue]) -> None:
    sheet.write_row(0, 0, ["行号", "列", "填写内容", "问题与修改方法", "类型"], fmt["head"])
    for col, width in enumerate((8, 16, 24, 90, 8)):
        sheet.set_column(col, col, width)
    for r, issue in enumerate(issues, start=1):
        texts = (
            str(issue.excel_row or "全表"),
            f"{issue.letter or ''} {issue.column or ''}".strip(),
            excel_safe(issue.value or ""),
            issue.message,
            SEVERITY_LABEL.get(issue.severity, issue.severity),
        )
        # An empty cell is left out: it shows the same as an empty text.
        sheet.write_cells(r, [(c, t, None) for c, t in enumerate(texts) if t])


def build_corrections(source: _Source) -> bytes:
    """The corrections workbook of `source`: rejected rows only, template layout."""
    table = source.table
    spec = spec_of(table.kind)
    positions = table.positions()
    by_row: dict[int, list[Issue]] = defaultdict(list)
    for issue in source.issues:
        if issue.excel_row in source.rejected and issue.severity == "error":
            by_row[issue.excel_row].append(issue)
    picked = [
        (r, cells)
        for r, cells in zip(table.excel_rows, table.rows, strict=True)
        if r in source.rejected
    ]
    rows = [
        [cells[positions[h]] if h in positions else "" for h in spec.headers] for _, cells in picked
    ]
    notes = [f"原表第 {r} 行: " + "\n".join(_label(i) for i in by_row[r]) for r, _ in picked]
    col_index = {h: i for i, h in enumerate(spec.headers)}
    # An empty message: the cell is filled red without a comment (see COMMENTED_ROWS).
    bad = {
        (n, col_index[i.column]): i.message if n < COMMENTED_ROWS else ""
        for n, (r, _) in enumerate(picked)
        for i in by_row[r]
        if i.column in col_index
    }
    buf = io.BytesIO()
    write_rows_workbook(
        buf,
        spec,
        rows,
        notes=notes,
        bad_cells=bad,
        sheet_note=f"批次 {source.batch_id} 中未通过的 {len(rows)} 行; 改正后直接上传本表即可",
        workbook_class=QuickWorkbook,
    )
    return buf.getvalue()


# Corrections first: it is the file the clerk needs next, and it is quick to build.
BUILDERS = {"corrections": build_corrections, "report": build_error_report}
