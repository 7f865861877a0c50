"""Standard .xlsx templates and corrections workbooks, generated from the kind specs.

Layout contract (the importer's reader relies on it; do not change it lightly):
- the FIRST sheet is named `spec.title` (e.g. 人员增加); row 1 is one merged title cell
  "人员增加申报表 (模板版本 2)", row 2 holds exactly `spec.headers` in order (required ones
  in red bold, hints as cell comments), data starts at row 3;
- sheet 填写说明: how to fill and upload, then 列 · 列名 · 是否必填 · 填写要求 · 示例;
- hidden sheet `_lists`: the drop-down values, one column per coded column;
- hidden sheet `_shebao`: A1 "kind" / B1 the kind, A2 "version" / B2 the version number.
A corrections workbook has the same layout, with data rows, an optional 错误说明 column
after the last template column, and bad cells in light red with the message as a comment.

Everything is written with xlsxwriter in constant-memory mode (rows are flushed as they are
written), and the creation date is fixed so that the same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from templates_xlsx import instructions
from templates_xlsx.cells import excel_safe
from templates_xlsx.fast_sheet import PlainTextWorksheet
from templates_xlsx.styles import Formats
from validators.specs import ERROR_NOTE_COLUMN, KindSpec

TEMPLATE_DIR = Path(__file__).resolve().parent
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "_lists"
MARKER_SHEET = "_shebao"
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2  # zero-based: Excel rows 1, 2, 3
VALIDATION_LAST_ROW = 20001  # zero-based: drop-downs cover Excel rows 3..20002
CREATED = dt.datetime(2025, 1, 1)  # fixed, so two builds give identical bytes
NOTE_WIDTH = 50
_HINT_BOX = {"x_scale": 2.2, "y_scale": 1.6}
_ERROR_BOX = {"x_scale": 2.2, "y_scale": 1.4}

BadCells = Mapping[tuple[int, int], str]


def template_title(spec: KindSpec) -> str:
    """The merged title of row 1, e.g. "人员增加申报表 (模板版本 2)"."""
    return f"{spec.title}申报表 (模板版本 {spec.version})"


def template_path(spec: KindSpec, directory: Path | str = TEMPLATE_DIR) -> Path:
    """Where the committed template of `spec`'s kind lives (inside the package)."""
    return Path(directory) / f"{spec.kind}.xlsx"


def build_template(spec: KindSpec, rows: Iterable[Sequence[str | None]] = ()) -> bytes:
    """The standard template of `spec`'s kind as .xlsx bytes (deterministic): empty, or
    pre-filled with `rows` (in template column order)."""
    buffer = io.BytesIO()
    write_rows_workbook(buffer, spec, rows)
    return buffer.getvalue()


def regenerate(specs: Iterable[KindSpec], directory: Path | str = TEMPLATE_DIR) -> list[Path]:
    """Write `<kind>.xlsx` for every spec into `directory`; returns the paths written."""
    paths = []
    for spec in specs:
        path = template_path(spec, directory)
        path.write_bytes(build_template(spec))
        paths.append(path)
    return paths


def write_rows_workbook(
    target: str | Path | BinaryIO,
    spec: KindSpec,
    rows: Iterable[Sequence[str | None]],
    notes: Iterable[str] | None = None,
    bad_cells: BadCells | None = None,
    sheet_note: str | None = None,
    workbook_class: type[Workbook] = Workbook,
) -> int:
    """Write `rows` (cell text as typed) in template layout to `target`; returns the row count.

    `notes` (one per row) adds a 错误说明 column; `bad_cells` maps (row index in `rows`,
    column index) to a message shown as a comment on a light red cell (no comment when the
    message is empty); `sheet_note` goes in row 1 right of the title; `workbook_class` is
    `quick_zip.QuickWorkbook` for large files built while someone waits (templates keep
    xlsxwriter's). Rows longer than the template raise ValueError (the file left at
    `target` is then incomplete: write to a temporary place and move it on success).
    """
    target = str(target) if isinstance(target, Path) else target
    with workbook_class(target, {"constant_memory": True}) as workbook:
        workbook.set_properties(_properties(spec))
        formats = Formats(workbook, spec)
        sheet = workbook.add_worksheet(spec.title, worksheet_class=PlainTextWorksheet)
        sheet.set_comments_author("社保批量申报")
        _write_title_and_headers(sheet, spec, formats, notes is not None, sheet_note)
        count = _write_data_rows(sheet, spec, formats, rows, notes, bad_cells or {})
        _write_instructions(workbook.add_worksheet(INSTRUCTIONS_SHEET), spec, formats)
        sources = _write_lists(workbook.add_worksheet(LISTS_SHEET), spec)
        _add_validations(sheet, spec, sources, max(VALIDATION_LAST_ROW, HEADER_ROW + count))
        _write_marker(workbook.add_worksheet(MARKER_SHEET), spec)
    return count


def _properties(spec: KindSpec) -> dict:
    return {
        "title": template_title(spec),
        "subject": spec.purpose,
        "author": "社保批量申报",
        "created": CREATED,
    }


def _write_title_and_headers(
    sheet: Worksheet, spec: KindSpec, formats: Formats, with_notes: bool, sheet_note: str | None
) -> None:
    last = len(spec.columns) - 1
    for index, column in enumerate(spec.columns):
        sheet.set_column(index, index, column.width, formats.cells[index])
    if with_notes:
        sheet.set_column(last + 1, last + 1, NOTE_WIDTH, formats.note)
    # Rows are written strictly top to bottom: constant-memory mode flushes earlier rows.
    sheet.set_row(TITLE_ROW, 30)
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last, template_title(spec), formats.title)
    if sheet_note:
        sheet.write_string(TITLE_ROW, last + 1, excel_safe(sheet_note), formats.sheet_note)
    sheet.set_row(HEADER_ROW, 32)
    for index, column in enumerate(spec.columns):
        style = formats.header_required if column.required else formats.header
        sheet.write_string(HEADER_ROW, index, column.name, style)
        if column.hint:
            sheet.write_comment(HEADER_ROW, index, column.hint, _HINT_BOX)
    if with_notes:
        sheet.write_string(HEADER_ROW, last + 1, ERROR_NOTE_COLUMN, formats.note_header)
    sheet.freeze_panes(FIRST_DATA_ROW, 0)


def _bad_cells_by_row(bad_cells: BadCells) -> dict[int, dict[int, str]]:
    # One lookup per row instead of one per cell keeps the 100k-row loop lean.
    by_row: dict[int, dict[int, str]] = {}
    for (row, col), message in bad_cells.items():
        by_row.setdefault(row, {})[col] = message
    return by_row


def _write_data_rows(
    sheet: Worksheet,
    spec: KindSpec,
    formats: Formats,
    rows: Iterable[Sequence[str | None]],
    notes: Iterable[str] | None,
    bad_cells: BadCells,
) -> int:
    width = len(spec.columns)
    bad_by_row = _bad_cells_by_row(bad_cells)
    note_iter = iter(notes) if notes is not None else None
    count = 0
    for index, values in enumerate(rows):
        if len(values) > width:
            raise ValueError(f"row {index} has {len(values)} cells; {spec.kind} has {width}")
        row = FIRST_DATA_ROW + index
        # The column's own format applies (set_column): no per-cell format for plain text.
        cells: dict[int, tuple] = {}
        for col, value in enumerate(values):
            if value.__class__ is not str:  # the contract is str; be safe with None / NaN
                value = _cell_text(value)
            if value:
                cells[col] = (col, excel_safe(value), None)
        bad = bad_by_row.get(index, {})
        for col in bad:
            # An empty required cell is still written, blank, so its red fill shows.
            value = _cell_text(values[col]) if col < len(values) else ""
            cells[col] = (col, excel_safe(value) if value else "", formats.bad_cells[col])
        note = next(note_iter, "") if note_iter is not None else ""
        if note:
            cells[width] = (width, excel_safe(note), formats.note)
        ordered = [cells[c] for c in sorted(cells)]
        # Comments before the row's cells: `write_cells` then writes the row the way
        # xlsxwriter does, comments included.
        for col, message in sorted(bad.items()):
            if message:
                sheet.write_comment(row, col, message, _ERROR_BOX)
        if ordered:
            sheet.write_cells(row, ordered)
        count = index + 1
    return count


def _cell_text(value: object) -> str:
    # A missing cell from pandas (None, NaN, NA, NaT) must stay empty, never read "nan".
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    return "" if text in ("<NA>", "NaT") and not isinstance(value, str) else text


def _write_instructions(sheet: Worksheet, spec: KindSpec, formats: Formats) -> None:
    for col, width in enumerate((6, 16, 10, 70, 24)):
        sheet.set_column(col, col, width)
    sheet.write_string(0, 0, instructions.heading(spec), formats.heading)
    sheet.write_string(1, 0, spec.purpose)
    lines = instructions.steps(spec)
    for offset, line in enumerate(lines):
        sheet.write_string(2 + offset, 0, line)
    table_row = 3 + len(lines)
    for col, header in enumerate(instructions.TABLE_HEADERS):
        sheet.write_string(table_row, col, header, formats.header)
    for offset, cells in enumerate(instructions.table_rows(spec), start=1):
        *described, example = cells
        for col, text in enumerate(described):
            sheet.write_string(table_row + offset, col, text, formats.wrap)
        sheet.write_string(table_row + offset, len(described), excel_safe(example), formats.text)


def _write_lists(sheet: Worksheet, spec: KindSpec) -> dict[int, str]:
    """Drop-down values on a sheet, because a list like 民族 is longer than Excel's 255
    characters for an inline list; returns {data column: range formula}."""
    coded = [(index, c) for index, c in enumerate(spec.columns) if c.choices]
    for list_col, (_, column) in enumerate(coded):
        sheet.write_string(0, list_col, column.name)
    depth = max((len(c.choices) for _, c in coded), default=0)
    for offset in range(depth):  # row by row, as constant-memory mode requires
        for list_col, (_, column) in enumerate(coded):
            if offset < len(column.choices):
                sheet.write_string(1 + offset, list_col, column.choices[offset])
    sheet.hide()
    return {
        index: f"='{LISTS_SHEET}'!${xl_col_to_name(list_col)}$2:"
        f"${xl_col_to_name(list_col)}${1 + len(column.choices)}"
        for list_col, (index, column) in enumerate(coded)
    }


def _add_validations(
    sheet: Worksheet, spec: KindSpec, sources: dict[int, str], last_row: int
) -> None:
    for index, source in sources.items():
        name = spec.columns[index].name
        sheet.data_validation(
            FIRST_DATA_ROW,
            index,
            last_row,
            index,
            {
                "validate": "list",
                "source": source,
                "error_type": "stop",
                "error_title": f"{name}填写有误",
                "error_message": f"“{name}”只能填下拉列表中的值, 请点单元格右侧的箭头选择。",
            },
        )


def _write_marker(sheet: Worksheet, spec: KindSpec) -> None:
    sheet.write_string(0, 0, "kind")
    sheet.write_string(0, 1, spec.kind)
    sheet.write_string(1, 0, "version")
    sheet.write_number(1, 1, spec.version)
    sheet.hide()
