"""统一社会信用代码 (GB 32100-2015): 18 characters and a check character.

The code set is the digits and the capital letters without I, O, S, V and Z (31
characters, valued 0..30 in that order); the 18th character makes the weighted sum of
all 18 a multiple of 31, with the weights 3^i mod 31 of the first 17 positions.
"""

from __future__ import annotations

import re

import pandas as pd

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
SHAPE = re.compile(f"[{CODE_CHARS}]{{18}}")
_VALUE = {c: i for i, c in enumerate(CODE_CHARS)}


def check_char(first17: str) -> str:
    """The check character of the 17 leading characters (each from `CODE_CHARS`)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CODE_CHARS[-total % 31]


def well_formed(value: str) -> bool:
    """18 characters of the code set (lower-case letters count as capitals)."""
    return bool(SHAPE.fullmatch(value.upper()))


def is_valid(value: str) -> bool:
    """Well formed and its check character right."""
    code = value.upper()
    return well_formed(code) and check_char(code[:17]) == code[17]


def shape_ok(col: pd.Series) -> pd.Series:
    """Blank, or 18 characters of the code set."""
    return col.eq("") | col.str.upper().str.fullmatch(SHAPE.pattern)


def checksum_ok(col: pd.Series) -> pd.Series:
    """Blank, malformed (another check's business), or a right check character."""
    return ~shape_ok(col) | col.eq("") | col.map(is_valid)
