"""How a list's cells look on the page and in the Excel file (UI.md conventions)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from registry.queries.listing import Column, ListQuery, insurance_codes, mask_id
from validators.codes import INSURANCE_SHORT_NAMES
from web.formatting import date, money, month


def insurance_names(value: object) -> str:
    """'110,310' (or a list of codes) → 养老保险、医疗保险."""
    codes = value if isinstance(value, list) else insurance_codes(value)
    return "、".join(INSURANCE_SHORT_NAMES.get(c, c) for c in codes)


def html_cell(col: Column, value: Any) -> str:
    """The text of a cell on the page (masked ID numbers)."""
    if value is None:
        return ""
    fmt = col.format
    if col.masked:
        return mask_id(str(value))
    if fmt == "money":
        return money(value)
    if fmt == "month":
        return month(value)
    if fmt == "date":
        return date(value)
    if fmt == "insurances":
        return insurance_names(value)
    if col.labels:
        return col.labels.get(str(value), str(value))
    return str(value)


def excel_cell(col: Column, value: Any) -> object:
    """A cell of the Excel export: numbers as numbers, everything else as text (full IDs:
    the employer works from its own staff list)."""
    if value is None:
        return None
    if col.format in ("money", "decimal"):
        return Decimal(str(value))
    if col.format == "int":
        return int(value)
    if col.masked:
        return str(value)
    return html_cell(col, value)


def css_class(col: Column) -> str:
    """The cell class: numbers right-aligned, ID numbers in a fixed-width font."""
    if col.format in ("money", "int", "decimal"):
        return "num"
    return "id-number" if col.format == "id" else ""


def excel_rows(query: ListQuery, rows: Iterable[dict]) -> Iterator[list[object]]:
    """The rows of an export in column order, streamed."""
    for r in rows:
        yield [excel_cell(c, r.get(c.key)) for c in query.columns]
