"""Cell formats of the template workbooks, made once per workbook (xlsxwriter formats
belong to the workbook that created them)."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from validators.specs import ColumnSpec, KindSpec

# Excel stores these as typed; everything else that identifies something is text, so that
# IDs, phone numbers with a leading 0 and months like 202611 are never turned into numbers.
TEXT_TYPES = frozenset({"text", "name", "id", "code", "month", "phone", "yesno"})
DATE_FORMAT = "yyyy-mm-dd"
REQUIRED_RED = "#FF0000"
BAD_FILL = "#FFC7CE"  # Excel's own "light red fill" of conditional formatting

_HEADER = {"bold": True, "border": 1, "bg_color": "#F2F2F2", "align": "center"}
_HEADER.update({"valign": "vcenter", "text_wrap": True})


def column_props(column: ColumnSpec) -> dict:
    """The number format of a column's cells: text, date, or Excel's General for money."""
    if column.type in TEXT_TYPES:
        return {"num_format": "@"}
    if column.type == "date":
        return {"num_format": DATE_FORMAT}
    return {}


class Formats:
    """All formats one workbook needs; `cells[i]` / `bad_cells[i]` belong to column i."""

    def __init__(self, workbook: Workbook, spec: KindSpec):
        add = workbook.add_format
        self.title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.header = add(_HEADER)
        self.header_required = add({**_HEADER, "font_color": REQUIRED_RED})
        self.note_header = add({**_HEADER, "font_color": "#9C0006", "bg_color": BAD_FILL})
        self.note = add({"text_wrap": True, "valign": "top", "font_color": "#9C0006"})
        self.sheet_note = add({"bold": True, "font_color": "#9C0006", "valign": "vcenter"})
        self.cells = [add(column_props(c)) for c in spec.columns]
        self.bad_cells = [add({**column_props(c), "bg_color": BAD_FILL}) for c in spec.columns]
        self.heading = add({"bold": True, "font_size": 14})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.text = add({"num_format": "@", "valign": "top", "text_wrap": True})
        self.bold = add({"bold": True})
