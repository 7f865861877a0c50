"""The error report and the corrections workbook of a batch, written on demand.

Error report: the sheet as uploaded, at the same Excel row numbers, bad cells filled red
(warnings yellow) with the message as a comment, a 错误说明 column, and a 问题清单 sheet.
Corrections workbook: the standard template holding only the rejected rows, as typed,
with a 错误说明 column the importer ignores when the file comes back.
Both use xlsxwriter in constant-memory mode; every user value passes `excel_safe`.
"""

from __future__ import annotations

import io
from collections import defaultdict

import xlsxwriter
from sqlalchemy import select

from importer.layout import SheetTable, locate_table
from importer.reader import clean_header, read_workbook
from registry.models import Batch, BatchIssue, Declaration
from registry.uow import UnitOfWork
from templates_xlsx.build import write_rows_workbook
from templates_xlsx.cells import excel_safe
from validators.specs import ERROR_NOTE_COLUMN, get_kind

SEVERITY_LABEL = {"error": "错误", "warning": "提示"}


class ReportUnavailable(Exception):
    """The batch has no report (not finished, or the file was rejected as a whole)."""


def _load(uow: UnitOfWork, batch_id: int) -> tuple[Batch, SheetTable, list[BatchIssue]]:
    batch = uow.session.get(Batch, batch_id)
    if batch is None or batch.status != "done":
        raise ReportUnavailable("批次尚未处理完成, 暂时没有报告。")
    book = read_workbook(batch.file_bytes, batch.file_name)
    table = locate_table(book, batch.kind, max_rows=10**7)
    issues = list(
        uow.session.scalars(
            select(BatchIssue)
            .where(BatchIssue.batch_id == batch_id)
            .order_by(BatchIssue.excel_row, BatchIssue.id)
        )
    )
    return batch, table, issues


def _label(issue: BatchIssue) -> str:
    where = f"【{issue.letter} {issue.column}】" if issue.column else ""
    return f"{where}{issue.message}"


def error_report(uow: UnitOfWork, batch_id: int) -> bytes:
    """The uploaded sheet annotated with every error and warning (xlsx bytes)."""
    with uow:
        batch, table, issues = _load(uow, batch_id)
    by_row: dict[int | None, list[BatchIssue]] = defaultdict(list)
    for issue in issues:
        by_row[issue.excel_row].append(issue)
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"constant_memory": True, "in_memory": True}) as book:
        fmt = _formats(book)
        sheet = book.add_worksheet("错误报告")
        _write_annotated(sheet, fmt, table, by_row)
        _write_issue_list(book.add_worksheet("问题清单"), fmt, batch, issues)
    return buf.getvalue()


def _formats(book) -> dict:
    return {
        "head": book.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1}),
        "text": book.add_format({"num_format": "@"}),
        "error": book.add_format({"num_format": "@", "bg_color": "#F8C9C4"}),
        "warning": book.add_format({"num_format": "@", "bg_color": "#FFF2B3"}),
        "note": book.add_format({"text_wrap": True, "font_color": "#9C0006", "valign": "top"}),
    }


def _write_annotated(sheet, fmt: dict, table: SheetTable, by_row: dict) -> None:
    width = len(table.raw_header)
    head = table.header_row - 1
    for c, text in enumerate(table.raw_header):
        sheet.write_string(head, c, excel_safe(text), fmt["head"])
    sheet.write_string(head, width, ERROR_NOTE_COLUMN, fmt["head"])
    sheet.set_column(width, width, 60)
    sheet.freeze_panes(table.header_row, 0)
    positions = {clean_header(h): i for i, h in enumerate(table.raw_header)}
    for excel_row, cells in zip(table.excel_rows, table.rows, strict=True):
        _write_row(sheet, fmt, excel_row - 1, cells, by_row.get(excel_row, []), positions, width)


def _write_row(
    sheet, fmt, r: int, cells: list[str], issues: list, positions: dict, width: int
) -> None:
    marks: dict[int, list] = defaultdict(list)
    for issue in issues:
        if issue.column in positions:
            marks[positions[issue.column]].append(issue)
    for c, value in enumerate(cells):
        found = marks.get(c)
        if not found:
            if value:
                sheet.write_string(r, c, excel_safe(value), fmt["text"])
            continue
        worst = "error" if any(i.severity == "error" for i in found) else "warning"
        sheet.write_string(r, c, excel_safe(value), fmt[worst])
        sheet.write_comment(
            r, c, "\n".join(i.message for i in found), {"x_scale": 2.5, "y_scale": 2}
        )
    if issues:
        sheet.write_string(r, width, "\n".join(_label(i) for i in issues), fmt["note"])


def _write_issue_list(sheet, fmt: dict, batch: Batch, issues: list[BatchIssue]) -> None:
    sheet.write_row(0, 0, ["行号", "列", "填写内容", "问题与修改方法", "类型"], fmt["head"])
    for col, width in enumerate((8, 16, 24, 90, 8)):
        sheet.set_column(col, col, width)
    for r, issue in enumerate(issues, start=1):
        sheet.write_string(r, 0, str(issue.excel_row or "全表"))
        sheet.write_string(r, 1, f"{issue.letter or ''} {issue.column or ''}".strip())
        sheet.write_string(r, 2, excel_safe(issue.value or ""))
        sheet.write_string(r, 3, issue.message)
        sheet.write_string(r, 4, SEVERITY_LABEL.get(issue.severity, issue.severity))


def corrections_workbook(uow: UnitOfWork, batch_id: int) -> bytes:
    """The template with only the rejected rows, as typed, and why each was rejected."""
    with uow:
        batch, table, issues = _load(uow, batch_id)
        rejected = set(
            uow.session.scalars(
                select(Declaration.excel_row).where(
                    Declaration.batch_id == batch_id, Declaration.status == "rejected"
                )
            )
        )
    spec = get_kind(table.kind)
    frame = table.frame(spec)
    by_row: dict[int, list[BatchIssue]] = defaultdict(list)
    for issue in issues:
        if issue.excel_row in rejected:
            by_row[issue.excel_row].append(issue)
    order = [r for r in frame.index if r in rejected]
    rows = frame.loc[order].values.tolist()
    notes = [
        f"原表第 {r} 行: " + "\n".join(_label(i) for i in by_row[r] if i.severity == "error")
        for r in order
    ]
    col_index = {h: i for i, h in enumerate(spec.headers)}
    bad = {
        (n, col_index[i.column]): i.message
        for n, r in enumerate(order)
        for i in by_row[r]
        if i.column in col_index and i.severity == "error"
    }
    buf = io.BytesIO()
    write_rows_workbook(
        buf,
        spec,
        rows,
        notes=notes,
        bad_cells=bad,
        sheet_note=f"批次 {batch.id} 中未通过的 {len(order)} 行; 改正后直接上传本表即可",
    )
    return buf.getvalue()
