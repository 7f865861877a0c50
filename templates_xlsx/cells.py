"""Cell text we write into workbooks, guarded against formula injection.

Decision (OWASP "CSV injection" advice): every user-provided value is written with
xlsxwriter's `write_string`, so it is stored as a text cell and Excel never evaluates it
when the file is opened. That alone is not enough: if a user re-edits such a cell (F2,
Enter), or the sheet is saved as CSV and opened again, a text that starts with `=`, `+`,
`-` or `@` becomes a live formula (tab and CR count too, because some programs strip them
before parsing). So those values also get a leading single quote `'`, the OWASP
neutraliser: Excel shows the quote, and the content can no longer be evaluated. Negative
amounts such as "-5" are prefixed as well; they are invalid input anyway, and the error
report shows the quote next to them.

`excel_unescape` undoes the prefix, for a reader that gets a corrections workbook back.
"""

from __future__ import annotations

# Characters that make Excel, LibreOffice or a CSV import treat a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"


def excel_safe(text: str) -> str:
    """`text` with a leading `'` when it could start a formula, otherwise unchanged."""
    return ESCAPE_PREFIX + text if text.startswith(FORMULA_TRIGGERS) else text


def excel_unescape(text: str) -> str:
    """Undo `excel_safe`: drop a leading `'` that stands before a formula trigger."""
    if text.startswith(ESCAPE_PREFIX) and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
