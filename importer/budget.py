"""The budget of an .xlsx, checked before calamine reads a byte of it.

A workbook is a zip of XML parts, and what it costs to read depends on what the parts
really hold, not on the file's size (a 51 KB file can unpack to gigabytes) nor on what
they claim. So before reading: the declared size of every part; then each sheet part and
the shared-string table streamed and measured (`importer.dimensions`): their real size,
runs of text beyond Excel's cell limit, the count of shared strings, the far corner of the
cells holding a value, merged areas. Past any limit the file is refused at once, with
what was found and how to fix it. Every sheet is measured, the hidden ones and the
template's marker sheet too: calamine loads them as well.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO
from xml.etree import ElementTree

from importer import dimensions
from importer.dimensions import PartTooLarge, SheetScan, TextRunTooLong
from importer.errors import FileRejected, damaged, too_complex

MAX_PART_BYTES = 512 << 20  # one sheet's XML: a 300,000-row sheet is about 200 MB
MAX_TOTAL_BYTES = 2 << 30
MAX_PARTS = 10_000
MAX_SHARED_STRINGS = 8_000_000  # more than the cells of the largest sheet we accept
MAX_GRID_CELLS = 20_000_000  # 300,000 rows of 60 columns fit; XFD5001 does not
ROW_SLACK = 100  # title, header and notes above and below the data rows
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SMALL_PART = 16 << 20


@dataclass
class Budget:
    """What the budget measured, for the reader: sheet name → its scan."""

    sheets: dict[str, SheetScan] = field(default_factory=dict)


def check_xlsx(data: IO[bytes], max_rows: int) -> Budget:
    """Measure the package; FileRejected when it is over budget or broken."""
    try:
        with zipfile.ZipFile(data) as package:
            return _check(package, max_rows)
    except (zipfile.BadZipFile, zlib.error, EOFError, ElementTree.ParseError):
        raise damaged() from None


def _check(package: zipfile.ZipFile, max_rows: int) -> Budget:
    infos = package.infolist()
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise FileRejected(
            "xlsb_not_supported",
            "这是 Excel 二进制工作簿(.xlsb), 系统不读取这种格式。"
            "请在 Excel 中「另存为」Excel 工作簿(.xlsx)后重新上传。",
        )
    _check_declared(infos)
    budget = Budget()
    if "xl/sharedStrings.xml" in names:
        _check_shared_strings(package, "xl/sharedStrings.xml")
    for sheet, part in sheet_parts(package).items():
        if part not in names:
            raise damaged(f"缺少工作表「{sheet}」的内容")
        budget.sheets[sheet] = _check_sheet(package, sheet, part, max_rows)
    return budget


def _check_declared(infos: list[zipfile.ZipInfo]) -> None:
    total = sum(i.file_size for i in infos)
    biggest = max(infos, key=lambda i: i.file_size, default=None)
    if len(infos) > MAX_PARTS:
        raise too_complex(f"文件由 {len(infos):,} 个部件组成, 远多于任何表格")
    if biggest is not None and (biggest.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES):
        raise too_complex(
            f"文件解压后有 {_size(total)}(其中「{biggest.filename}」{_size(biggest.file_size)}), "
            f"而上限是每个部件 {_size(MAX_PART_BYTES)}"
        )


def _check_shared_strings(package: zipfile.ZipFile, part: str) -> None:
    count = 0
    try:
        with package.open(part) as stream:
            for seg in dimensions.segments(stream, MAX_PART_BYTES):
                count += seg.count(b"/si>") + seg.count(b":si>") // 2
                if count > MAX_SHARED_STRINGS:
                    raise too_complex(
                        f"文件的共享文本表有超过 {MAX_SHARED_STRINGS:,} 条文本, 远多于任何申报表"
                    )
    except TextRunTooLong:
        raise too_complex(_giant_text("共享文本表")) from None
    except PartTooLarge as exc:
        raise too_complex(f"共享文本表解压后超过 {_size(exc.args[0])}") from None


def _check_sheet(package: zipfile.ZipFile, sheet: str, part: str, max_rows: int) -> SheetScan:
    try:
        with package.open(part) as stream:
            scan = dimensions.scan_sheet(stream, MAX_PART_BYTES, max_rows + ROW_SLACK)
    except TextRunTooLong:
        raise too_complex(_giant_text(f"工作表「{sheet}」")) from None
    except PartTooLarge as exc:
        raise too_complex(f"工作表「{sheet}」解压后超过 {_size(exc.args[0])}") from None
    # Rows as tags and rows as the last one holding a value: both above the limit is a
    # sheet too long (a stray value far down in a short sheet, or formatted empty rows
    # below a short table, is only one of them, and reads cheaply).
    if min(scan.far_row, scan.row_tags) > max_rows + ROW_SLACK:
        raise FileRejected(
            "too_many_rows",
            f"工作表「{sheet}」的数据超过 {scan.far_row - 1:,} 行, 超过了每次最多 {max_rows:,} 行"
            "的限制。请分成几个文件上传, 每个文件不超过这个行数。",
        )
    if scan.grid > MAX_GRID_CELLS:
        raise sheet_too_large(sheet, scan)
    if scan.merged_area > MAX_GRID_CELLS:
        raise too_complex(
            f"工作表「{sheet}」的合并单元格共覆盖约 {scan.merged_area:,} 个单元格, "
            "远大于数据所在的区域。请在 Excel 中取消多余的合并(「开始 → 合并后居中」)"
        )
    return scan


def sheet_too_large(sheet: str, scan: SheetScan) -> FileRejected:
    """The refusal of a sheet whose cells reach absurdly far."""
    return FileRejected(
        "sheet_too_large",
        f"工作表「{sheet}」中有内容的单元格一直延伸到第 {scan.far_row:,} 行、第 {scan.far_col:,} 列"
        f"(约 {scan.grid:,} 个单元格), 远大于数据所在的区域, 通常是远处的单元格里有空格或内容。"
        "请在 Excel 中选中数据下方和右侧多余的行和列, 右键「删除」, 保存后重新上传。",
    )


def sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the package, from workbook.xml and its relationships."""
    book = ElementTree.fromstring(_small(package, "xl/workbook.xml"))
    rels = ElementTree.fromstring(_small(package, "xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[sheet.get("name", "")] = posixpath.normpath(path)
    return parts


def _small(package: zipfile.ZipFile, part: str) -> bytes:
    try:
        info = package.getinfo(part)
    except KeyError:
        raise damaged(f"缺少部件 {part}") from None
    if info.file_size > _SMALL_PART:
        raise too_complex(f"部件 {part} 解压后有 {_size(info.file_size)}")
    with package.open(info) as stream:
        data = stream.read(_SMALL_PART + 1)
    if len(data) > _SMALL_PART:
        raise too_complex(f"部件 {part} 解压后超过 {_size(_SMALL_PART)}")
    return data


def _giant_text(where: str) -> str:
    return f"{where}里有一段超过 1 MB 的连续文本或空白, 而 Excel 一个单元格最多只能放 32,767 个字"


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MB"
