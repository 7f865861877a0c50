"""Reading an upload into a table of text with the Excel row number of every row kept.

calamine (Rust) reads .xlsx and .xls (Excel 97 on; older .xls by xlrd in
`importer.legacy_xls`); CSV is read by `importer.csvfile`. Every read runs
in a child process under memory and CPU limits (`importer.sandbox`), after the package
was measured against its budget (`importer.budget`), so a hostile file is refused and
never kills the process that asked. The header row is found by its column names, and
the declaration kind by the template's hidden marker or, failing that, by the headers.
Whole-file problems raise `FileRejected`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import python_calamine as calamine

from importer import legacy_xls
from importer.budget import MAX_GRID_CELLS, Budget, check_xlsx
from importer.cells import cell_text, column_letter
from importer.csvfile import read_csv
from importer.dimensions import NOTED_ERRORS, SheetScan, column_number
from importer.errors import FileRejected, damaged
from importer.sandbox import ReaderDied, ReaderLimits, answer_now, run_isolated
from importer.sniff import sniff

MARKER_SHEET = "_shebao"
DEFAULT_MAX_ROWS = 300_000
SKIPPED_SHEETS = {MARKER_SHEET, "_lists", "填写说明"}
HEADER_SCAN_ROWS = 10
# From this size on, the budget is measured beside calamine rather than before it (see
# `read_here`); below it the difference is a few milliseconds, and hostile files, mostly
# small, keep the strict order.
BUDGET_BESIDE_FROM_BYTES = 2 << 20
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)


@dataclass
class RawSheet:
    """The cells of one sheet as text; `rows[i]` is Excel row `i + 1`."""

    name: str
    rows: list[list[str]]


@dataclass
class Workbook:
    """What was read from an upload: its visible sheets and the template marker, if any;
    and the names of hidden sheets that hold something (to name them when no visible
    sheet has data)."""

    file_type: str
    sheets: list[RawSheet]
    marker: dict[str, str] = field(default_factory=dict)
    hidden_filled: list[str] = field(default_factory=list)


def sniff_upload(data: bytes, file_name: str) -> str:
    """Public alias of the sniffing step, for entry points that check before queueing."""
    return sniff(data, file_name)


def read_workbook(
    data: bytes, file_name: str, max_rows: int | None = None, limits: ReaderLimits | None = None
) -> Workbook:
    """Read every visible sheet of an upload as text, in a child process under limits."""
    # The callers pass what their settings say (SHEBAO_MAX_ROWS, SHEBAO_READER_*).
    rows = max_rows or DEFAULT_MAX_ROWS
    limits = limits or ReaderLimits()
    beside = len(data) >= BUDGET_BESIDE_FROM_BYTES
    try:
        answer = run_isolated(("read", data, file_name, rows, beside), limits)
    except ReaderDied as died:
        if not (beside and died.out_of_memory):
            raise
        # calamine ran out of memory before the budget beside it had finished: ask again
        # with the budget first, so a file it knows how to describe gets its own message.
        answer = run_isolated(("read", data, file_name, rows, False), limits)
    if answer[0] == "rejected":
        raise FileRejected(answer[1], answer[2])
    _, file_type, sheets, marker, hidden = answer
    return Workbook(file_type, [RawSheet(n, r) for n, r in sheets], marker, hidden)


def serve_request(request: tuple) -> tuple:
    """The child's side of `read_workbook`: plain tuples, lists and text only."""
    _, data, file_name, max_rows, beside = request
    # A refusal by the budget thread ends the child at once, with its answer.
    stop = (lambda exc: answer_now(_rejected(exc))) if beside else None
    try:
        book = read_here(data, file_name, max_rows, stop)
    except FileRejected as exc:
        return _rejected(exc)
    sheets = [(s.name, s.rows) for s in book.sheets]
    return ("ok", book.file_type, sheets, book.marker, book.hidden_filled)


def _rejected(exc: FileRejected) -> tuple:
    return ("rejected", exc.code, exc.message)


def read_here(
    data: bytes,
    file_name: str,
    max_rows: int,
    stop: Callable[[FileRejected], None] | None = None,
) -> Workbook:
    """Read an upload in this process (the sandbox child calls this; nothing else should).

    Without `stop`, an .xlsx package is measured against its budget before calamine
    opens it. With `stop`, the budget runs on a second thread while calamine parses
    (calamine releases the GIL: a 100,000-row sheet reads 0.4 s sooner), and a refusal
    calls `stop`, which must end the process: calamine may be building a bomb's grid."""
    file_type = sniff(data, file_name)
    if file_type == "csv":
        return Workbook("csv", [RawSheet("CSV", read_csv(data, max_rows, MAX_GRID_CELLS))])
    if file_type == "xls" and legacy_xls.is_legacy(data):
        return _legacy_workbook(data)
    if file_type != "xlsx":
        return _parse(data, file_type, Budget)
    if stop is None:
        budget = check_xlsx(io.BytesIO(data), max_rows)
        return _parse(data, file_type, lambda: budget)
    beside = _BudgetBeside(data, max_rows, stop)
    beside.start()
    return _parse(data, file_type, beside.result)


class _BudgetBeside(threading.Thread):
    """The package's budget measured on a thread of its own (see `read_here`)."""

    def __init__(self, data: bytes, max_rows: int, stop: Callable[[FileRejected], None]):
        super().__init__(name="shebao-budget", daemon=True)
        self.data, self.max_rows, self.stop = data, max_rows, stop
        self.budget: Budget | None = None
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            self.budget = check_xlsx(io.BytesIO(self.data), self.max_rows)
        except FileRejected as exc:
            self.stop(exc)
        except BaseException as exc:  # a bug: re-raised in the reading thread
            self.failure = exc

    def result(self) -> Budget:
        """The budget, once measured (a refusal has ended the process before this)."""
        self.join()
        if self.failure is not None:
            raise self.failure
        assert self.budget is not None
        return self.budget


def _parse(data: bytes, file_type: str, budget: Callable[[], Budget]) -> Workbook:
    """calamine's read of the workbook; `budget()` gives the package's measurements
    (and refuses the file first when it is over budget, whatever calamine said)."""
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        budget()
        raise FileRejected(
            "encrypted", "文件设置了打开密码, 系统无法读取。请在 Excel 中取消密码后重新上传。"
        ) from None
    except Exception:
        budget()
        raise FileRejected(
            "unreadable",
            "文件已损坏或格式不受支持, 无法读取。请用 Excel 打开后另存为 .xlsx 再上传。",
        ) from None
    try:
        workbook = _sheets_of(book, file_type, budget)
    except FileRejected:
        raise
    except Exception:
        # calamine's XmlError and the like: a part that is not well-formed XML, or one
        # that declares entities (never resolved), or a missing part.
        budget()
        raise damaged("工作表的内容不是有效的 Excel 格式") from None
    del book
    release_freed_memory()
    return workbook


def _legacy_workbook(data: bytes) -> Workbook:
    workbook = Workbook("xls", [])
    for name, visible, rows in legacy_xls.read_sheets(data):
        if name == MARKER_SHEET:
            workbook.marker = _marker(rows)
        elif name in SKIPPED_SHEETS:
            continue
        elif visible:
            workbook.sheets.append(RawSheet(name, rows))
        elif sum(1 for r in rows if any(c.strip() for c in r)) > 1:
            workbook.hidden_filled.append(name)
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


def _sheets_of(book, file_type: str, measured: Callable[[], Budget]) -> Workbook:
    workbook = Workbook(file_type, [])
    for meta in book.sheets_metadata:
        if meta.name == MARKER_SHEET:
            cells = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            workbook.marker = _marker(cells)
            continue
        if meta.name in SKIPPED_SHEETS:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        # Before the cells become Python text: a grid over budget must not get that far.
        budget = measured()
        rows = _text_rows(sheet)
        if meta.visible != calamine.SheetVisibleEnum.Visible:
            if sum(1 for r in rows if any(c.strip() for c in r)) > 1:
                workbook.hidden_filled.append(meta.name)
            continue
        _refuse_uncomputed(meta.name, budget)
        _show_errors(rows, budget.sheets.get(meta.name))
        _fill_merged_cells(rows, sheet.merged_cell_ranges or [])
        workbook.sheets.append(RawSheet(meta.name, rows))
    return workbook


def _refuse_uncomputed(name: str, budget: Budget) -> None:
    """FileRejected when formula cells have no computed value (calamine reads them as
    empty, and "本行没有填写" would send the clerk looking for a blank), or when error
    cells are too many to show one by one."""
    scan = budget.sheets.get(name)
    if scan is None:
        return
    if scan.formulas_without_value:
        cells = "、".join(scan.formulas_without_value[:5])
        raise FileRejected(
            "formula_without_value",
            f"工作表「{name}」的 {cells} 等单元格是公式, 但文件里没有保存公式的计算结果(文件多半"
            "是由其他程序生成、没有在 Excel 中打开保存过)。请用 Excel 打开文件, 确认公式显示出"
            "结果后保存再上传; 或把这些列复制后「选择性粘贴 → 数值」。",
        )
    if len(scan.error_cells) >= NOTED_ERRORS:
        raise FileRejected(
            "formula_error",
            f"工作表「{name}」中有 {NOTED_ERRORS:,} 个以上的单元格显示错误值(如 #N/A、#VALUE!), "
            f"例如 {scan.error_cells[0][0]}。请改正这些公式, 或改填实际内容后重新上传。",
        )


def _show_errors(rows: list[list[str]], scan: SheetScan | None) -> None:
    """Put the error Excel shows (#N/A, #VALUE! ...) in its cell: calamine reads it as
    empty, and a required cell would be told "本行没有填写" instead of quoting #N/A."""
    for ref, value in scan.error_cells if scan else []:
        found = _CELL_REF.fullmatch(ref)
        if found is None:
            continue
        r, c = int(found[2]) - 1, column_number(found[1]) - 1
        if r < len(rows) and c < len(rows[r]):
            rows[r][c] = value


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
    width = max(map(len, rows), default=0)
    for (top, left), (bottom, right) in ranges:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        # A merge reaching past the cells that hold something adds nothing to read: clip
        # it, so a merge of S1:XFD40002 cannot pad every row to 16,384 columns.
        right = min(right, width - 1)
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


def _marker(rows: Sequence[Sequence[object]]) -> dict[str, str]:
    return {cell_text(r[0]).strip(): cell_text(r[1]).strip() for r in rows if len(r) >= 2}


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
