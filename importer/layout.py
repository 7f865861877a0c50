"""Finding the data in a workbook: which sheet, which header row, which declaration kind,
and refusing a file whose layout cannot be imported (wrong or outdated template, missing
columns, no data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter

import pandas as pd

from importer.cells import column_letter
from importer.errors import FileRejected
from importer.headers import (
    ANY_HEADER_NAME,
    KNOWN_BY_NAME,
    SUGGESTED_NAMES,
    HeaderMapping,
    map_headers,
    suggestions,
    unmapped_headers,
)
from importer.kinds import KINDS, SPECS
from importer.reader import RawSheet, Workbook, clean_header, find_header_row, header_letters
from validators.specs import ERROR_NOTE_COLUMN, KindSpec

ALL_HEADERS = {h for spec in SPECS.values() for h in spec.headers}
# What a header row may hold, to find it: standard headers and the names other systems
# give them (mapped or only suggested), so a payroll export is found and then told
# precisely what is missing instead of "no header".
HEADER_NAMES = (
    ALL_HEADERS | ANY_HEADER_NAME | {a for names in SUGGESTED_NAMES.values() for a in names}
)
MIN_HEADER_MATCHES = 2


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
    # How the header row was read: other systems' headers mapped to standard ones, and
    # standard columns absent but taken from the ID number (see importer.headers).
    mapping: HeaderMapping = field(default_factory=HeaderMapping)
    # The rows above the header (the template's title), to give them back in the report.
    above_header: list[list[str]] = field(default_factory=list)
    # Excel rows of a pre-filled template nobody touched (see `skip_untouched`), not imported.
    untouched: list[int] = field(default_factory=list)

    def positions(self) -> dict[str, int]:
        """Cleaned header → its column index in the upload (first occurrence wins); a
        mapped column is found under its standard header too."""
        found = {clean_header(h): i for i, h in reversed(list(enumerate(self.raw_header)))}
        found.update({standard: i for i, standard in self.mapping.columns.items()})
        return found

    def frame(self, spec: KindSpec) -> pd.DataFrame:
        """The spec's columns as a text DataFrame indexed by Excel row (absent ones blank)."""
        positions = self.positions()
        data = {}
        for col in spec.headers:
            i = positions.get(col)
            data[col] = [r[i] for r in self.rows] if i is not None else [""] * len(self.rows)
        return pd.DataFrame(data, index=pd.Index(self.excel_rows, name="row"), dtype="str")


def locate_table(
    book: Workbook,
    expected_kind: str | None,
    max_rows: int,
    remembered: Mapping[str, Mapping[str, str]] | None = None,
) -> SheetTable:
    """The importable table of `book`, or FileRejected saying why there is none.

    `remembered` holds the employer's own header mappings per kind (header as typed,
    cleaned → standard header), made by hand on an earlier upload."""
    sheet, header_idx = _pick_sheet(book, expected_kind)
    raw_header = sheet.rows[header_idx]
    kind = _detect_kind(book, raw_header, expected_kind)
    spec = SPECS[kind]
    mapping = map_headers(spec, raw_header, (remembered or {}).get(kind))
    _check_columns(spec, raw_header, mapping)
    rows, excel_rows, repeated = _data_rows(sheet.rows, header_idx, len(raw_header), spec, mapping)
    standard = {h: i for i, h in sorted(mapping.columns.items(), reverse=True)}
    untouched = skip_untouched(KINDS[kind].action_columns, standard, rows, excel_rows)
    if untouched and not rows:
        actions = "、".join(KINDS[kind].action_columns)
        raise FileRejected(
            "nothing_filled",
            f"表中 {len(untouched):,} 行都只有预填的人员信息, 没有一行填写了{actions}, 没有可申报的内容。"
            "请为要办理的人员填写这些列后再上传。",
        )
    if not rows:
        raise FileRejected(
            "no_data",
            f"表头(第 {header_idx + 1} 行)下面没有数据。请从第 {header_idx + 2} 行起每行填写一人后再上传。"
            + hidden_hint(book),
        )
    if len(rows) > max_rows:
        raise FileRejected(
            "too_many_rows",
            f"本表有 {len(rows):,} 行数据, 超过了每次最多 {max_rows:,} 行的限制。请分成几个文件上传。",
        )
    letters = header_letters(raw_header)
    letters.update({h: column_letter(i) for i, h in mapping.columns.items()})
    above = [list(r) for r in sheet.rows[:header_idx]]
    return SheetTable(
        kind, sheet.name, header_idx + 1, raw_header, letters, rows, excel_rows, repeated,
        mapping, above, untouched,
    )  # fmt: skip


def hidden_hint(book: Workbook) -> str:
    """Where the data may be, when a hidden sheet holds something (it is never read)."""
    if not book.hidden_filled:
        return ""
    names = "」「".join(book.hidden_filled)
    return (
        f"另外, 工作簿中隐藏的工作表「{names}」里有内容, 系统不读取隐藏的工作表; 如果要申报的"
        "数据在那里, 请在 Excel 中右键工作表标签 →「取消隐藏」后重新上传。"
    )


def skip_untouched(
    actions: tuple[str, ...],
    standard: dict[str, int],
    rows: list[list[str]],
    excel_rows: list[int],
) -> list[int]:
    """Drop (in place) the rows whose `actions` columns are all blank, and return their
    Excel rows: in a template pre-filled with the employer's persons, such a row is one
    the clerk left as it came, not a declaration. A row with some action filled stays and
    is judged as usual (its blank required cells are errors)."""
    if not actions:
        return []
    # `standard`: standard header → its column, also for headers mapped from other systems.
    positions = [standard[a] for a in actions if a in standard]
    if not positions:
        return []
    kept, numbers, skipped = [], [], []
    for cells, number in zip(rows, excel_rows, strict=True):
        if any(cells[i].strip() for i in positions):
            kept.append(cells)
            numbers.append(number)
        else:
            skipped.append(number)
    if skipped:
        rows[:], excel_rows[:] = kept, numbers
    return skipped


def _pick_sheet(book: Workbook, expected_kind: str | None) -> tuple[RawSheet, int]:
    """The sheet holding the table: the one with a standard header and rows under it.

    A copy of the template left empty beside the filled one is passed over; of several
    filled sheets, the one of the kind being declared is taken when there is exactly one;
    otherwise they are refused rather than all but one silently ignored.
    """
    headed = []
    for sheet in book.sheets:
        idx, score = find_header_row(sheet.rows, HEADER_NAMES)
        if score >= MIN_HEADER_MATCHES:
            headed.append((sheet, idx))
    if not headed:
        raise FileRejected(
            "no_header",
            "在表格前 10 行中没有找到标准模板的表头(如「姓名」「证件号码」)。请下载标准模板, 把数据填到模板中再上传; 不要修改表头。"
            + hidden_hint(book),
        )
    filled = [(sheet, idx) for sheet, idx in headed if _has_rows_below(sheet.rows, idx)]
    if len(filled) > 1 and expected_kind in SPECS:
        required = set(SPECS[expected_kind].required)
        of_kind = [
            (sheet, idx) for sheet, idx in filled if required <= _standard_names(sheet.rows[idx])
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
    standard = [
        i
        for i, h in enumerate(rows[header_idx])
        if clean_header(h) in ALL_HEADERS or clean_header(h) in KNOWN_BY_NAME
    ]
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


def _standard_names(raw_header: list[str]) -> set[str]:
    """The standard headers a header row holds, directly or by another system's name."""
    cleaned = {clean_header(h) for h in raw_header}
    return cleaned | {KNOWN_BY_NAME[h] for h in cleaned if h in KNOWN_BY_NAME}


def _defining(spec: KindSpec) -> set[str]:
    """The headers that make a sheet unmistakably `spec`'s: its required columns, or all
    of them for a kind whose columns are all optional (单位基本信息变更: blank = unchanged),
    which would otherwise match any sheet."""
    return set(spec.required) or set(spec.headers)


def _kind_from_headers(raw_header: list[str], expected: str | None = None) -> str:
    present = _standard_names(raw_header)
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


def _check_columns(spec: KindSpec, raw_header: list[str], mapping: HeaderMapping) -> None:
    cleaned = [clean_header(h) for h in raw_header]
    if not spec.required and not set(spec.headers) & set(cleaned):
        # Every column optional (blank = unchanged), but a sheet with none of them is not
        # this kind's at all.
        raise FileRejected(
            "missing_columns",
            f"表中没有「{spec.title}」模板的任何一列({'、'.join(spec.headers)})。"
            "请使用标准模板, 不要删除或改名表头。",
        )
    have = mapping.standard_headers() | set(mapping.from_id)
    missing = [h for h in spec.required if h not in have]
    if missing:
        renamed = suggestions(missing, raw_header)
        hint = f"如果表中的列就是它们, 请把表头{'、'.join(renamed)}。" if renamed else ""
        choices = unmapped_headers(raw_header, mapping)
        raise FileRejected(
            "missing_columns",
            f"「{spec.title}」表缺少必填列: {'、'.join(missing)}。{hint}"
            "请使用标准模板, 或在本页把表中的列对应到这些必填列(只需对应一次, 系统会记住)。",
            detail={"kind": spec.kind, "missing": missing, "headers": choices},
        )
    doubled = sorted({h for h in cleaned if h in spec.headers and cleaned.count(h) > 1})
    if doubled:
        raise FileRejected(
            "duplicate_columns",
            f"表头中「{'、'.join(doubled)}」出现了不止一次。请删除多余的列后重新上传。",
        )


def _data_rows(
    rows: list[list[str]], header_idx: int, width: int, spec: KindSpec, mapping: HeaderMapping
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
    known = sorted(mapping.columns) or list(range(width))
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
