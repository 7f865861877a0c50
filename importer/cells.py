"""Turning whatever a spreadsheet cell holds into the text the user sees.

Every cell is read as text first; the normaliser parses it later with explicit errors.
Numbers that Excel has already mangled are rendered the way Excel shows them, so that the
ID check can recognise them instead of guessing the lost digits.
"""

from __future__ import annotations

import datetime as dt

# Excel keeps 15 significant digits: a whole number at or above this has lost digits.
EXCEL_PRECISION_LIMIT = 1e15


def cell_text(value: object) -> str:
    """The text of one cell value as calamine, xlrd or csv give it."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def float_text(value: float) -> str:
    """A float as Excel's General format shows it (3.30682198001012E+17 for big IDs)."""
    if value != value:  # NaN
        return ""
    if value.is_integer():
        if abs(value) < EXCEL_PRECISION_LIMIT:
            return str(int(value))
        mantissa, exponent = f"{value:.14E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E+{int(exponent)}"
    return repr(value)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
