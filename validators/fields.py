"""Vectorised field checks: each takes a column of normalised text and returns a boolean
Series, True where the cell is acceptable. Blank cells pass every check except `filled`;
whether a column may be blank is the `required` rule's business alone."""

from __future__ import annotations

import pandas as pd

from validators import idcard

NAME_PATTERN = r"^[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebefA-Za-z·][\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebefA-Za-z· ]*[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebefA-Za-z·]$"
MONTH_PATTERN = r"^(19|20)\d{2}(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^(19|20)\d{2}-\d{2}-\d{2}$"
YEAR_PATTERN = r"^(19|20)\d{2}$"
MONTHS_PATTERN = r"^([1-9]|1[0-2])$"
MONEY_PATTERN = r"^\d+(\.\d{1,2})?$"
# A monthly wage of a million yuan or more is a slip (digits typed twice, a yearly figure,
# an ID pasted into the column), not a wage: its own message says so.
MONEY_PLAUSIBLE_BELOW = 1_000_000
MOBILE_PATTERN = r"^1[3-9]\d{9}$"
LANDLINE_PATTERN = r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$"
FOREIGN_PR_PATTERN = r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$"
PASSPORT_PATTERN = r"^[A-Z0-9]{5,20}$"


def blank(col: pd.Series) -> pd.Series:
    """True where the cell is empty after normalisation."""
    return col.eq("")


def filled(col: pd.Series) -> pd.Series:
    """Required cells: True where something was typed."""
    return ~blank(col)


def matches(col: pd.Series, pattern: str) -> pd.Series:
    """True where the cell is blank or matches `pattern` whole."""
    return blank(col) | col.str.fullmatch(pattern)


def in_choices(col: pd.Series, choices: tuple[str, ...]) -> pd.Series:
    """True where the cell is blank or one of `choices`."""
    return blank(col) | col.isin(choices)


def short_enough(col: pd.Series, max_len: int) -> pd.Series:
    """True where the cell has at most `max_len` characters."""
    return col.str.len() <= max_len


def person_name(col: pd.Series) -> pd.Series:
    """At least 2 characters: Chinese characters, letters, inner spaces, the middle dot
    (the 30-character limit is `too_long`'s, so an over-long name gets one error)."""
    return blank(col) | ((col.str.len() >= 2) & col.str.fullmatch(NAME_PATTERN))


def month(col: pd.Series) -> pd.Series:
    """`YYYYMM` with a real month (normalisation already turned dates into this form)."""
    return matches(col, MONTH_PATTERN)


def date(col: pd.Series) -> pd.Series:
    """`YYYY-MM-DD` naming a day that exists."""
    parsed = parse_dates(col)
    return blank(col) | parsed.notna()


def parse_dates(col: pd.Series) -> pd.Series:
    """`YYYY-MM-DD` cells as Timestamps; NaT for blank, malformed or impossible dates."""
    return pd.to_datetime(
        col.where(col.str.fullmatch(DATE_PATTERN)), format="%Y-%m-%d", errors="coerce"
    )


def money(col: pd.Series) -> pd.Series:
    """A positive amount with at most two decimals."""
    ok = matches(col, MONEY_PATTERN)
    amount = pd.to_numeric(col.where(ok & ~blank(col)), errors="coerce")
    return blank(col) | (ok & (amount > 0))


def money_plausible(col: pd.Series, limit: float = MONEY_PLAUSIBLE_BELOW) -> pd.Series:
    """False only for a well-formed amount of `limit` or more (`money` judges the rest)."""
    ok = matches(col, MONEY_PATTERN)
    amount = pd.to_numeric(col.where(ok & ~blank(col)), errors="coerce")
    return ~(ok & (amount >= limit))


def phone(col: pd.Series) -> pd.Series:
    """An 11-digit mobile number or a landline with its area code."""
    return blank(col) | col.str.fullmatch(MOBILE_PATTERN) | col.str.fullmatch(LANDLINE_PATTERN)


def id_not_excel_number(col: pd.Series) -> pd.Series:
    """False where the ID shows Excel's number mangling (3.30682198001012E+17)."""
    return ~col.str.fullmatch(idcard.EXCEL_NUMBER_PATTERN)


def id18_shape(col: pd.Series) -> pd.Series:
    """17 digits and a digit or X (blank and Excel-number cells are other checks' business)."""
    return blank(col) | ~id_not_excel_number(col) | col.str.fullmatch(idcard.ID18_PATTERN.pattern)


def id18_checksum(col: pd.Series) -> pd.Series:
    """Correct check character, judged only where the shape is right."""
    shaped = col.str.fullmatch(idcard.ID18_PATTERN.pattern)
    ok = pd.Series(True, index=col.index)
    if shaped.any():
        ids = col[shaped]
        ok[shaped] = idcard.check_chars_of(ids).eq(ids.str.slice(17, 18))
    return ok


def id18_birth_date(col: pd.Series, today: pd.Timestamp) -> pd.Series:
    """The coded birth date exists, is not in the future and not before 1900."""
    shaped = col.str.fullmatch(idcard.ID18_PATTERN.pattern)
    ok = pd.Series(True, index=col.index)
    if shaped.any():
        born = idcard.birth_dates_of(col[shaped])
        ok[shaped] = born.notna() & (born <= today) & (born >= pd.Timestamp("1900-01-01"))
    return ok


def year(col: pd.Series) -> pd.Series:
    """A four-digit year 1900-2099, or blank."""
    return matches(col, YEAR_PATTERN)


def month_count(col: pd.Series) -> pd.Series:
    """A whole number of months 1-12, or blank."""
    return matches(col, MONTHS_PATTERN)


def long_enough(col: pd.Series, min_len: int) -> pd.Series:
    """At least `min_len` characters, or blank (blank is the required check's business)."""
    return blank(col) | (col.str.len() >= min_len)
