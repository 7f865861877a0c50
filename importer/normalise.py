"""Normalising cell text before validation: what people type differently but mean the same
is made the same; nothing is guessed. Full-width characters, stray spaces, lowercase `x`,
Excel dates in date and month columns, date spellings, thousands separators, and old
15-digit IDs (upgraded, with a warning) are handled here, column-wise."""

from __future__ import annotations

import pandas as pd

from validators import messages
from validators.codes import GB11643_ID_TYPES
from validators.errors import RowError
from validators.idcard import upgrade_id15
from validators.specs import KindSpec

_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH.update({0x3000: 0x20, 0x00A0: 0x20})
# Zero-width characters, and control characters other than tab and line breaks (pasted
# from other systems; PostgreSQL cannot even extract a NUL from JSON).
_CONTROLS = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
_INVISIBLE = {cp: None for cp in (0x200B, 0x200C, 0x200D, 0xFEFF, 0x2060, *_CONTROLS)}
_DOTS = {ord(c): "·" for c in "•・‧∙⋅"}
_TABLE = str.maketrans({**_FULL_WIDTH, **_INVISIBLE})
# An apostrophe before formula-like text is our own escape (excel_safe); before a digit it
# is the text marker people type (or a CSV export keeps) so Excel leaves the number alone.
_ESCAPED = r"^'(?=[=+\-@\d])"
_NEEDS_TRANSLATION = (
    "[\uff01-\uff5e\u3000\u00a0\u200b\u200c\u200d\ufeff\u2060\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
# 138-1234-5678: a mobile number written in groups (a landline keeps its area-code dash).
MOBILE_WITH_DASHES = r"^(1[3-9]\d)-(\d{4})-(\d{4})$"
# A midnight time part after a date, as Excel and exports write it (00:00:00, 0:00 ...).
# The lookbehind lets a match start only where a run of spaces starts: without it, a cell
# of 32,000 spaces is tried from each of them, and ten such cells took 86 s.
MIDNIGHT = r"(?<!\s)\s+0?0:00(?::00)?$"
# Thousands separators only where they group by three: 6500,50 is not 6,500 and stays
# as typed for the check to report rather than becoming 650050.
THOUSANDS = r"^(\d{1,3}(?:,\d{3})+)(\.\d+)?$"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel serial numbers of 1927-05-18 .. 2099-12-31 (five digits): a bare number in this
# range in a date or month column is a date Excel stored without a date format. Shorter
# numbers are what people type: a year ("1990", "2026") or a month ("11"); read as serials
# they would become dates in 1900-1905 and the error would show a date nobody typed, so
# they are left as typed for the check to report. (Serials below 61 would also be a day
# off: Excel counts a fictitious 1900-02-29.)
SERIAL_RANGE = (10000, 73050)


def normalise(
    df: pd.DataFrame, spec: KindSpec, letters: dict[str, str]
) -> tuple[pd.DataFrame, list[RowError]]:
    """The sheet with every cell normalised, and the warnings normalising produced."""
    out = df.apply(_clean_text)
    warnings: list[RowError] = []
    for col in spec.columns:
        series = out[col.name]
        if col.type == "name":
            out[col.name] = _only_where(
                series,
                "[•・‧∙⋅]|\\s\\s",
                lambda c: c.str.translate(_DOTS).str.replace(r"\s+", " ", regex=True),
            )
        elif col.type == "id":
            out[col.name], found = _ids(series, out, letters)
            warnings.extend(found)
        elif col.type == "date":
            out[col.name] = normalise_dates(series)
        elif col.type == "month":
            out[col.name] = normalise_months(series)
        elif col.type == "money":
            out[col.name] = normalise_money(series)
        elif col.type == "ref":
            out[col.name] = series.str.replace(r"\s+", "", regex=True).str.upper()
        elif col.type in ("year", "months"):
            out[col.name] = normalise_whole(series)
        elif col.type == "phone":
            out[col.name] = (
                series.str.replace(r"^\+?86[- ]?", "", regex=True)
                .str.replace(r"[\s()（）]", "", regex=True)
                .str.replace(MOBILE_WITH_DASHES, r"\1\2\3", regex=True)
            )
        if col.default:
            out[col.name] = out[col.name].mask(out[col.name].eq(""), col.default)
    return out, warnings


def _only_where(col: pd.Series, pattern: str, fix) -> pd.Series:
    """Apply the (slow, per-cell) `fix` only to cells matching `pattern`."""
    hit = col.str.contains(pattern, regex=True)
    return col.mask(hit, fix(col[hit])) if hit.any() else col


def _clean_text(col: pd.Series) -> pd.Series:
    """Full-width → half-width, invisible characters out, trimmed; and a leading apostrophe
    taken off where it only marks text: before formula-like text (our own excel_safe) or
    before a digit (Excel's text marker, kept by some CSV exports). The slow
    per-character translation runs only on the few cells that need it."""
    odd = col.str.contains(_NEEDS_TRANSLATION, regex=True)
    if odd.any():
        col = col.mask(odd, col[odd].str.translate(_TABLE))
    col = col.str.strip()
    quoted = col.str.startswith("'")
    if quoted.any():
        col = col.mask(quoted, col[quoted].str.replace(_ESCAPED, "", regex=True))
    return col


def _ids(
    series: pd.Series, df: pd.DataFrame, letters: dict[str, str]
) -> tuple[pd.Series, list[RowError]]:
    ids = series.str.replace(r"\s+", "", regex=True).str.upper()
    types = df["证件类型"] if "证件类型" in df else pd.Series("", index=df.index)
    gb = types.eq("") | types.isin(GB11643_ID_TYPES)
    old = gb & ids.str.fullmatch(r"\d{15}")
    warnings = []
    if old.any():
        upgraded = ids[old].map(upgrade_id15)
        for row, before, after in zip(upgraded.index, ids[old], upgraded, strict=True):
            warnings.append(
                _warning(row, "证件号码", letters, before, "id15_upgraded", expected=after)
            )
        ids = ids.copy()
        ids[old] = upgraded
    return ids, warnings


def normalise_money(series: pd.Series) -> pd.Series:
    """Amounts without currency signs, 元 or thousands separators (`¥6,500.00元` → 6500.00)."""
    text = series.str.replace(r"[¥￥]|元$", "", regex=True).str.strip().str.replace("，", ",")
    grouped = text.str.fullmatch(THOUSANDS)
    return text.mask(grouped, text.str.replace(",", "", regex=False))


def normalise_whole(series: pd.Series) -> pd.Series:
    """Whole numbers as Excel stores them or people write them: `2027.0` → `2027`,
    `2027年` → `2027`, `12个月` → `12`. Anything else is left for the check to report."""
    return _rewrite_others(series, r"[1-9]\d*", _spell_whole)


def _spell_whole(series: pd.Series) -> pd.Series:
    parts = series.str.extract(r"^(\d+)(?:\.0+|\s*(?:年度?|个月|月))?$")[0]
    # `06` months is 6; a lone `0` stays, for the check to report.
    parts = parts.str.replace(r"^0+(?=\d)", "", regex=True)
    return series.mask(parts.notna(), parts)


def _warning(
    row: int, column: str, letters: dict[str, str], value: str, code: str, **fields: object
) -> RowError:
    return RowError(
        row=int(row),
        column=column,
        letter=letters.get(column),
        value=value,
        code=code,
        message=messages.render(code, column=column, value=value, **fields),
        severity="warning",
    )


def _serials(series: pd.Series) -> pd.Series:
    """Dates of the cells holding a bare Excel serial number (NaT elsewhere)."""
    numeric = pd.to_numeric(series.where(series.str.fullmatch(r"\d{1,5}(\.0+)?")), errors="coerce")
    ok = numeric.between(*SERIAL_RANGE)
    return (EXCEL_EPOCH + pd.to_timedelta(numeric.where(ok), unit="D")).where(ok)


def _rewrite_others(series: pd.Series, canonical: str, rewrite) -> pd.Series:
    """Run `rewrite` only on cells not already in the `canonical` form (nearly all are)."""
    todo = ~(series.eq("") | series.str.fullmatch(canonical))
    if not todo.any():
        return series
    return series.mask(todo, rewrite(series[todo]))


def normalise_dates(series: pd.Series) -> pd.Series:
    """Dates to `YYYY-MM-DD` (see `_spell_dates`)."""
    return _rewrite_others(series, r"\d{4}-\d{2}-\d{2}", _spell_dates)


def normalise_months(series: pd.Series) -> pd.Series:
    """Months to `YYYYMM` (see `_spell_months`)."""
    return _rewrite_others(series, r"\d{6}", _spell_months)


def _spell_dates(series: pd.Series) -> pd.Series:
    """Dates to `YYYY-MM-DD`: Excel serials, `2024/1/5`, `2024.1.5`, `2024年1月5日`, `20240105`,
    and a midnight time part. Anything else is left as typed for the check to report."""
    text = series.str.replace(MIDNIGHT, "", regex=True)
    parts = text.str.extract(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
    compact = text.str.extract(r"^(\d{4})(\d{2})(\d{2})$")
    parts = parts.fillna(compact)
    has = parts[0].notna()
    spelled = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
    out = text.mask(has, spelled)
    serial = _serials(text)
    return out.mask(serial.notna(), serial.dt.strftime("%Y-%m-%d"))


def _spell_months(series: pd.Series) -> pd.Series:
    """Months to `YYYYMM`: Excel dates, `2026-11`, `2026/11`, `2026.11`, `2026年11月`.
    A one-digit month after a dot (`2026.1`) stays as typed: it may be October."""
    text = series.str.replace(MIDNIGHT, "", regex=True)
    day = text.str.extract(r"^(\d{4})[-/](\d{1,2})[-/]\d{1,2}$")
    month = text.str.extract(r"^(\d{4})(?:[-/年]|\.(?=\d{2}))(\d{1,2})月?$")
    parts = day.fillna(month)
    has = parts[0].notna()
    out = text.mask(has, parts[0] + parts[1].str.zfill(2))
    serial = _serials(text.where(~text.str.fullmatch(r"\d{6}")))
    return out.mask(serial.notna(), serial.dt.strftime("%Y%m"))
