"""What each sheet of an .xlsx really holds, measured from its XML before calamine loads it.

calamine builds a dense grid from the first to the last cell that holds a value, so one
value in cell XFD5001 turns a 100-row sheet into 82 million cells and gigabytes of
memory. The `<dimension>` element cannot be trusted for that: it may be missing, lie
small (streaming writers write A1), or be huge on a harmless sheet (a format applied to
whole rows costs calamine nothing). So the sheet's XML is streamed in chunks, never held
whole, and measured:

- its real size, and any stretch of 1 MiB without a tag (no text of Excel's is longer
  than 32,767 characters: megabytes of one cell, or of spaces, are a bomb, not data);
- the far corner of the cells that hold a value (`<v>` or an inline string);
- the area of merged cells;
- formula cells without a computed value, and error cells such as #N/A.

Only literal searches (`bytes.count`/`rfind`, patterns that start with a literal) run over
the whole part, so an ordinary 100,000-row sheet costs little more than inflating it.
Rows are assumed in order, as the format requires; a file that breaks that rule and
hides a far cell is still caught by the reader's memory limit (`importer.sandbox`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO

CHUNK = 4 << 20
# Excel's own limit is 32,767 characters a cell; as UTF-8 with XML escapes and rich-text
# runs that is well under 1 MiB between two tags.
MAX_TEXT_RUN = 1 << 20
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"\br\s*=\s*[\"'](\d{1,9})[\"']")
# A cell of a column of two or three letters (A..Z covers the templates) and whether its
# tag closes itself (then it holds no value). Two patterns so each starts with a literal.
_WIDE = (
    re.compile(rb'r="([A-Z]{2,3})\d{1,9}"[^>]*?(/?)>'),
    re.compile(rb"r='([A-Z]{2,3})\d{1,9}'[^>]*?(/?)>"),
)
_MERGE = re.compile(rb"mergeCell\b[^>]*?\bref\s*=\s*[\"']([A-Z]+\d+(?::[A-Z]+\d+)?)")
_VALUE_ENDS = (b"</v>", b"</is>")
_PREFIXED_VALUE_ENDS = (b":v>", b":is>")
_PREFIXED_ROOT = re.compile(rb"<\w+:worksheet\b")
# A formula cell with no computed value: the formula, then nothing, `<v/>` or `<v></v>`.
_FORMULA_NO_VALUE = re.compile(
    rb"<(?:\w+:)?c\b[^>]*?\br\s*=\s*[\"']([A-Z]{1,3}\d{1,9})[\"'][^>]*>\s*<(?:\w+:)?f\b"
    rb"(?:[^<]*</(?:\w+:)?f>|[^>]*/>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*"
    rb"</(?:\w+:)?c>"
)
_ERROR_REF = re.compile(
    rb"<(?:\w+:)?c\b(?=[^>]*?\bt\s*=\s*[\"']e[\"'])[^>]*?\br\s*=\s*[\"']([A-Z]{1,3}\d{1,9})"
)
NOTED_CELLS = 20
NOTED_ERRORS = 10_000
_ERROR_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]{1,16})</(?:\w+:)?v>|</(?:\w+:)?c>")
_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def column_number(letters: str) -> int:
    """A = 1, Z = 26, AA = 27, XFD = 16,384.

    Not openpyxl's decoder: this module runs in the reader's child process, started for
    every upload, and importing openpyxl (with numpy) would triple its start-up time."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def area(ref: str) -> int:
    """Cells in a range such as `S1:XFD40002` (a single cell is 1)."""
    corners = [_REF.fullmatch(part) for part in ref.split(":")]
    if not all(corners):
        return 0
    first, last = corners[0], corners[-1]
    assert first is not None and last is not None
    rows = abs(int(last[2]) - int(first[2])) + 1
    return rows * (abs(column_number(last[1]) - column_number(first[1])) + 1)


class PartTooLarge(Exception):
    """The part's XML is larger than the budget: stop reading it at once."""


class TextRunTooLong(Exception):
    """Megabytes without a tag: one giant cell, or padding."""


@dataclass
class SheetScan:
    """What one sheet part holds (see the module docstring)."""

    size: int = 0
    far_row: int = 0  # of the cells holding a value
    far_col: int = 0
    merged_area: int = 0
    row_tags: int = 0
    prefixed: bool = False  # tags carry a namespace prefix (`<x:c>`)
    formulas_without_value: list[str] = field(default_factory=list)
    # (reference, the error Excel shows, such as #N/A) of error cells, NOTED_ERRORS at most
    error_cells: list[tuple[str, str]] = field(default_factory=list)

    @property
    def grid(self) -> int:
        """Cells of the dense grid calamine will build for this sheet."""
        return self.far_row * self.far_col


def segments(stream: IO[bytes], limit: int):
    """The part's bytes in pieces that each end just before a `<`, so no tag is cut.

    PartTooLarge past `limit` bytes; TextRunTooLong when 1 MiB passes without a tag."""
    carry, size = b"", 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PartTooLarge(size)
        buf = carry + chunk
        if _has_tagless_window(buf):
            raise TextRunTooLong(size)
        cut = buf.rfind(b"<")
        if cut <= 0:
            carry = buf
            continue
        carry = buf[cut:]
        yield buf[:cut]
    if carry:
        yield carry


def _has_tagless_window(buf: bytes) -> bool:
    """Whether an aligned 1 MiB window of `buf` holds no `<` (a run of 2 MiB always
    covers one; a run under 1 MiB never does)."""
    for start in range(0, len(buf) - MAX_TEXT_RUN + 1, MAX_TEXT_RUN):
        if buf.find(b"<", start, start + MAX_TEXT_RUN) < 0:
            return True
    return False


def scan_sheet(stream: IO[bytes], limit: int, stop_rows: int | None = None) -> SheetScan:
    """Measure one sheet part read from `stream` (PartTooLarge, TextRunTooLong); stop
    early once both its row tags and its valued rows are past `stop_rows`."""
    scan = SheetScan()
    current_row = 0
    for seg in segments(stream, limit):
        if not scan.size:
            # Parts with prefixed tags (`<x:row>`) are rare: search for those only there.
            scan.prefixed = _PREFIXED_ROOT.search(seg, 0, 4096) is not None
        scan.size += len(seg)
        scan.row_tags += seg.count(b"<row") + (seg.count(b":row") if scan.prefixed else 0)
        current_row = _far_row(scan, seg, current_row)
        _far_col(scan, seg)
        if b"mergeCell" in seg:
            scan.merged_area += sum(area(ref.decode()) for ref in _MERGE.findall(seg))
        if b"<f" in seg or (scan.prefixed and b":f" in seg):
            _note(scan.formulas_without_value, _FORMULA_NO_VALUE.findall(seg))
        if b'"e"' in seg or b"'e'" in seg:
            _note_errors(scan.error_cells, seg)
        if stop_rows is not None and min(scan.far_row, scan.row_tags) > stop_rows:
            break
    return scan


def _far_row(scan: SheetScan, seg: bytes, current_row: int) -> int:
    """Raise `scan.far_row` to the row of the segment's last value; returns the number of
    the row open at the segment's end."""
    ends = _VALUE_ENDS + _PREFIXED_VALUE_ENDS if scan.prefixed else _VALUE_ENDS
    last_value = max(seg.rfind(tag) for tag in ends)
    last_tag = seg.rfind(b"row")
    opened = _row_number(scan, seg, last_tag, current_row)
    if last_value >= 0:
        holder = seg.rfind(b"row", 0, last_value)
        scan.far_row = max(scan.far_row, _row_number(scan, seg, holder, current_row))
        scan.far_col = max(scan.far_col, 1)
    return opened


def _row_number(scan: SheetScan, seg: bytes, at: int, current_row: int) -> int:
    """The number of the last row tag at or before `at` (`current_row` when none)."""
    while at >= 0:
        start = seg.rfind(b"<", 0, at + 1)
        tag = _ROW_TAG.match(seg, start) if start >= 0 else None
        if tag:
            number = _ROW_NUMBER.search(tag.group(1))
            if number:
                return int(number.group(1))
            # Rows without numbers (allowed, rare): count every row so far, conservatively.
            return max(current_row, scan.row_tags) + 1
        at = seg.rfind(b"row", 0, max(start, 0))
    return current_row


def _far_col(scan: SheetScan, seg: bytes) -> None:
    """Raise `scan.far_col` to the farthest column of the segment's cells: two or three
    letters by pattern (rare), one letter by asking only for letters beyond the current
    farthest (one search of the segment in the usual case)."""
    if scan.far_col < 26:
        beyond = chr(ord("A") + scan.far_col)
        letters = re.compile(rb"r=[\"']([" + beyond.encode() + rb"-Z])\d").findall(seg)
        if letters:
            scan.far_col = max(scan.far_col, ord(max(letters)) - ord("A") + 1)
    for pattern in _WIDE:
        cols = {col for col, closed in pattern.findall(seg) if not closed}
        if cols:
            far = max(column_number(c.decode()) for c in cols)
            scan.far_col = max(scan.far_col, far)


def _note_errors(found: list[tuple[str, str]], seg: bytes) -> None:
    for cell in _ERROR_REF.finditer(seg):
        if len(found) >= NOTED_ERRORS:
            return
        value = _ERROR_VALUE.search(seg, cell.end())
        if value is not None and value[1]:
            found.append((cell[1].decode(), value[1].decode("ascii", "replace")))


def _note(found: list[str], refs: list[bytes]) -> None:
    room = NOTED_CELLS - len(found)
    found.extend(r.decode() for r in refs[: max(room, 0)])
