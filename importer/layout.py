"""Finding the data in a workbook: which sheet, which header row, which declaration kind,
and refusing a file whose layout cannot be imported (wrong or outdated template, missing
columns, no data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

import pandas as pd

from importer.errors import FileRejected
from importer.kinds import SPECS
from importer.reader import RawSheet, Workbook, clean_header, find_header_row, header_letters
from validators.specs import ERROR_NOTE_COLUMN, KindSpec

ALL_HEADERS = {h for spec in SPECS.values() for h in spec.headers}
MIN_HEADER_MATCHES = 2
# Headers people bring from other systems' sheets. Never read as the standard column (a
# 工资 column is not necessarily the 月缴费工资): only named in the message, so the clerk
# knows which header to rename.
ALIASES = {
    "证件号码": ("身份证号码", "身份证号", "公民身份号码", "证件号", "身份证"),
    "联系电话": ("手机号码", "手机号", "电话", "联系方式", "电话号码"),
    "出生日期": ("出生年月", "生日"),
    "参保年月": ("参保时间", "参保日期", "参保月份"),
    "停保年月": ("停保时间", "停保日期", "减少年月"),
    "月缴费工资": ("缴费工资", "月工资", "工资", "缴费基数"),
    "增加原因": ("参保原因",),
    "减少原因": ("停保原因",),
}


@dataclass
class SheetTable:
    """The data rows of the sheet to import, as text, with their Excel row numbers."""

    kind: str
    sheet_name: str
    header_row: int  # Excel row number
    raw_header: list[str]  # the header cells as typed, for the report
    letters: dict[str, str]  # known header → column letter in the upload
    rows: list[list[str]]  # data rows as read, padded to the header's width
    excel_rows: list[int]
    repeated_headers: list[int] = field(default_factory=list)  # Excel rows, not imported

    def positions(self) -> dict[str, int]:
        """Cleaned header → its column index in the upload (first occurrence wins)."""
        return {clean_header(h): i for i, h in reversed(list(enumerate(self.raw_header)))}

    def frame(self, spec: KindSpec) -> pd.DataFrame:
        """The spec's columns as a text DataFrame indexed by Excel row (absent ones blank)."""
        positions = self.positions()
        data = {}
        for col in spec.headers:
            i = positions.get(col)
            data[col] = [r[i] for r in self.rows] if i is not None else [""] * len(self.rows)
        return pd.DataFrame(data, index=pd.Index(self.excel_rows, name="row"), dtype="str")


def locate_table(book: Workbook, expected_kind: str | None, max_rows: int) -> SheetTable:
    """The importable table of `book`, or FileRejected saying why there is none."""
    sheet, header_idx = _pick_sheet(book, expected_kind)
    raw_header = sheet.rows[header_idx]
    kind = _detect_kind(book, raw_header, expected_kind)
    spec = SPECS[kind]
    _check_columns(spec, raw_header)
    rows, excel_rows, repeated = _data_rows(sheet.rows, header_idx, len(raw_header), spec)
    if not rows:
        raise FileRejected(
            "no_data",
            f"表头(第 {header_idx + 1} 行)下面没有数据。请从第 {header_idx + 2} 行起每行填写一人后再上传。",
        )
    if len(rows) > max_rows:
        raise FileRejected(
            "too_many_rows",
            f"本表有 {len(rows):,} 行数据, 超过了每次最多 {max_rows:,} 行的限制。请分成几个文件上传。",
        )
    return SheetTable(
        kind,
        sheet.name,
        header_idx + 1,
        raw_header,
        header_letters(raw_header),
        rows,
        excel_rows,
        repeated,
    )


def _pick_sheet(book: Workbook, expected_kind: str | None) -> tuple[RawSheet, int]:
    """The sheet holding the table: the one with a standard header and rows under it.

    A copy of the template left empty beside the filled one is passed over; of several
    filled sheets, the one of the kind being declared is taken when there is exactly one;
    otherwise they are refused rather than all but one silently ignored.
    """
    headed = []
    for sheet in book.sheets:
        idx, score = find_header_row(sheet.rows, ALL_HEADERS)
        if score >= MIN_HEADER_MATCHES:
            headed.append((sheet, idx))
    if not headed:
        raise FileRejected(
            "no_header",
            "在表格前 10 行中没有找到标准模板的表头(如「姓名」「证件号码」)。请下载标准模板, 把数据填到模板中再上传; 不要修改表头。",
        )
    filled = [(sheet, idx) for sheet, idx in headed if _has_rows_below(sheet.rows, idx)]
    if len(filled) > 1 and expected_kind in SPECS:
        required = set(SPECS[expected_kind].required)
        of_kind = [
            (sheet, idx)
            for sheet, idx in filled
            if required <= {clean_header(h) for h in sheet.rows[idx]}
        ]
        filled = of_kind if len(of_kind) == 1 else filled
    if len(filled) > 1:
        names = "」「".join(sheet.name for sheet, _ in filled)
        raise FileRejected(
            "several_sheets",
            f"工作簿中有 {len(filled)} 张工作表(「{names}」)都填写了数据, 系统不知道该申报哪一张。"
            "请把数据合并到一张工作表中, 或分成几个文件分别上传。",
        )
    return filled[0] if filled else headed[0]


def _has_rows_below(rows: list[list[str]], header_idx: int) -> bool:
    """Whether a row under the header holds something in a standard column: the same
    notion of "data" as `_data_rows` (a 序号 numbered down an empty copy is not)."""
    standard = [i for i, h in enumerate(rows[header_idx]) if clean_header(h) in ALL_HEADERS]
    return any(
        any(row[i].strip() for i in standard if i < len(row)) for row in rows[header_idx + 1 :]
    )


def _detect_kind(book: Workbook, raw_header: list[str], expected: str | None) -> str:
    marked = book.marker.get("kind")
    kind = marked if marked in SPECS else _kind_from_headers(raw_header, expected)
    if expected and kind != expected:
        raise FileRejected(
            "wrong_kind",
            f"上传的是「{SPECS[kind].title}」模板, 但这里办理的是「{SPECS[expected].title}」。"
            f"请下载「{SPECS[expected].title}」模板填写, 或到「{SPECS[kind].title}」页面上传此表。",
        )
    if marked == kind:
        _check_version(SPECS[kind], book.marker.get("version", ""))
    return kind


def _defining(spec: KindSpec) -> set[str]:
    """The headers that make a sheet unmistakably `spec`'s: its required columns, or all
    of them for a kind whose columns are all optional (单位基本信息变更: blank = unchanged),
    which would otherwise match any sheet."""
    return set(spec.required) or set(spec.headers)


def _kind_from_headers(raw_header: list[str], expected: str | None = None) -> str:
    present = {clean_header(h) for h in raw_header}
    # Told what the sheet should be, believe it unless the headers are unmistakably another
    # kind's (all its required columns): a 人员增加 sheet that lost columns must be told
    # which columns are missing, not that it is a 人员减少 template.
    others = [s for s in SPECS.values() if s.kind != expected]
    if expected in SPECS and not any(_defining(s) <= present for s in others):
        return expected

    def score(spec: KindSpec) -> tuple[bool, float]:
        have_required = _defining(spec) <= present
        return have_required, len(present & set(spec.headers)) / len(spec.headers)

    return max(SPECS.values(), key=score).kind


def _check_version(spec: KindSpec, version: str) -> None:
    try:
        found = int(float(version))
    except ValueError:
        return
    if found < spec.version:
        raise FileRejected(
            "outdated_template",
            f"这是旧版「{spec.title}」模板(版本 {found}), 当前是版本 {spec.version}。"
            "请下载新模板, 把数据复制到新模板中再上传。",
        )


def _check_columns(spec: KindSpec, raw_header: list[str]) -> None:
    cleaned = [clean_header(h) for h in raw_header]
    if not spec.required and not set(spec.headers) & set(cleaned):
        # Every column optional (blank = unchanged), but a sheet with none of them is not
        # this kind's at all.
        raise FileRejected(
            "missing_columns",
            f"表中没有「{spec.title}」模板的任何一列({'、'.join(spec.headers)})。"
            "请使用标准模板, 不要删除或改名表头。",
        )
    missing = [h for h in spec.required if h not in cleaned]
    if missing:
        renamed = [
            f"「{alias}」改为「{h}」"
            for h in missing
            for alias in ALIASES.get(h, ())
            if alias in cleaned
        ]
        hint = f"如果表中的列就是它们, 请把表头{'、'.join(renamed)}。" if renamed else ""
        raise FileRejected(
            "missing_columns",
            f"「{spec.title}」表缺少必填列: {'、'.join(missing)}。{hint}"
            "请使用标准模板, 不要删除或改名表头。",
        )
    doubled = sorted({h for h in cleaned if h in spec.headers and cleaned.count(h) > 1})
    if doubled:
        raise FileRejected(
            "duplicate_columns",
            f"表头中「{'、'.join(doubled)}」出现了不止一次。请删除多余的列后重新上传。",
        )


def _data_rows(
    rows: list[list[str]], header_idx: int, width: int, spec: KindSpec
) -> tuple[list[list[str]], list[int], list[int]]:
    """(data rows, their Excel row numbers, Excel rows that repeat the header).

    A row is data when a column of the template holds something: blank rows, rows holding
    only our own error note, and rows filled only in columns of the user's own (a 序号
    numbered down to row 500, say) are not. A row that is the header again (sheets
    pasted together) is not data either; it is reported, not declared.
    """
    header = rows[header_idx]
    cleaned = [clean_header(h) for h in header]
    note_col = next((i for i, h in enumerate(cleaned) if h == ERROR_NOTE_COLUMN), None)
    known = [i for i, h in enumerate(cleaned) if h in spec.headers] or list(range(width))
    template_cells = itemgetter(*known) if len(known) > 1 else (lambda c: (c[known[0]],))
    first = known[0]
    first_titles = {header[first], cleaned[first]}
    data, numbers, repeated = [], [], []
    for i in range(header_idx + 1, len(rows)):
        cells = rows[i]
        # Reuse the row list rather than copy it: a large sheet would otherwise be held twice.
        if len(cells) > width:
            del cells[width:]
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        if note_col is not None and cells[note_col]:
            cells[note_col] = ""
        if not "".join(template_cells(cells)).strip():
            continue
        # A cheap look at one cell first: almost no row is a header again.
        if cells[first].strip(" *＊") in first_titles and _repeats_header(cells, cleaned, known):
            repeated.append(i + 1)
            continue
        data.append(cells)
        numbers.append(i + 1)
    return data, numbers, repeated


def _repeats_header(cells: list[str], cleaned: list[str], known: list[int]) -> bool:
    return sum(clean_header(cells[k]) == cleaned[k] for k in known) >= MIN_HEADER_MATCHES
