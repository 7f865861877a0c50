"""How large each sheet of an .xlsx says it is, read before calamine loads it.

calamine builds a dense grid from the first to the last used cell, so one stray space in
cell XFD5001 turns a 100-row sheet into 82 million cells and gigabytes of memory (a
worker killed by the system, the batch re-queued, killed again). Excel writes each
sheet's used range as `<dimension ref="A1:XFD5001"/>` at the top of the sheet's XML; we
read that element (the first few kilobytes of each sheet, nothing else) and refuse a
sheet whose grid is absurd before loading it, telling the clerk how to fix it.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

HEAD_BYTES = 4096
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def declared_sizes(data: bytes) -> dict[str, tuple[str, int, int]]:
    """Sheet name → (used range as Excel writes it, rows and columns from A1 to its far
    corner), for the sheets of an .xlsx that declare one; {} when the package cannot be
    read this way (calamine then says what is wrong with the file)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return {
                name: size
                for name, part in _sheet_parts(package).items()
                if (size := _dimension(package, part)) is not None
            }
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError):
        return {}


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the package, from workbook.xml and its relationships."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[sheet.get("name", "")] = posixpath.normpath(path)
    return parts


def _dimension(package: zipfile.ZipFile, part: str) -> tuple[str, int, int] | None:
    with package.open(part) as stream:
        found = _DIMENSION.search(stream.read(HEAD_BYTES))
    if found is None:
        return None
    ref = found.group(1).decode()
    _, _, last_col, last_row = range_boundaries(ref)
    # The reader keeps Excel's geometry from A1, so the far corner is what costs memory.
    return ref if ":" in ref else f"{ref}:{ref}", last_row, last_col
