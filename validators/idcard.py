"""Resident ID numbers (GB 11643-1999): check character, 15→18 upgrade, parts.

Scalar functions for single values and vectorised ones for whole columns; both share the
weights and the check-character table below.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"
# ASCII digits only: `\d` would also accept other scripts' digits (٣, ３), which the
# vectorised check below cannot encode and which are not valid in an ID number.
ID18_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
ID15_PATTERN = re.compile(r"^[0-9]{15}$")
# What an ID number looks like after Excel stored it as a number: 3.30682198001012E+17,
# or the digits of such a float written out in full (ending in zeros).
EXCEL_NUMBER_PATTERN = r"^\d(?:\.\d+)?[Ee]\+?\d+$"


def check_char(first17: str) -> str:
    """The check character of the 17 leading digits."""
    total = sum(int(d) * int(w) for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid_id18(value: str) -> bool:
    """Whether `value` is 18 characters with a correct check character (birth not checked)."""
    return bool(ID18_PATTERN.fullmatch(value)) and check_char(value[:17]) == value[17]


def upgrade_id15(value: str) -> str:
    """The 18-digit form of an old 15-digit number: `19` inserted, check character added."""
    first17 = value[:6] + "19" + value[6:]
    return first17 + check_char(first17)


def check_chars_of(ids: pd.Series) -> pd.Series:
    """Vectorised: the expected check character of each 18-character ID (same index)."""
    if ids.empty:
        return pd.Series([], dtype=object, index=ids.index)
    joined = "".join(ids.str.slice(0, 17).tolist()).encode("ascii")
    digits = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 17).astype(np.int64) - 48
    table = np.array(list(CHECK_CHARS), dtype=object)
    return pd.Series(table[(digits @ WEIGHTS) % 11], index=ids.index, dtype=object)


def birth_dates_of(ids: pd.Series) -> pd.Series:
    """Vectorised: the birth date coded in each 18-character ID (NaT when impossible)."""
    return pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")


def genders_of(ids: pd.Series) -> pd.Series:
    """Vectorised: 男 for an odd 17th digit, 女 for an even one."""
    odd = ids.str.slice(16, 17).astype(int) % 2 == 1
    return odd.map({True: "男", False: "女"})


def derive_from_id(ids: pd.Series, column: str) -> pd.Series:
    """性别 or 出生日期 (as YYYY-MM-DD text) read from each 18-character resident ID with
    a valid check character; blank where the ID cannot say (the rows' own ID errors
    explain why)."""
    out = pd.Series("", index=ids.index, dtype="str")
    shaped = ids.str.fullmatch(ID18_PATTERN.pattern)
    good = ids[shaped]
    good = good[check_chars_of(good).eq(good.str.slice(17, 18))]
    if good.empty:
        return out
    if column == "性别":
        out[good.index] = genders_of(good)
    else:
        born = birth_dates_of(good)
        out[born.dropna().index] = born.dropna().dt.strftime("%Y-%m-%d")
    return out
