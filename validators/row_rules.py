"""Vectorised rules that look across the cells of a row or across rows of the sheet.

Each returns a boolean Series, True where the row passes. A rule only judges rows whose
inputs are themselves valid: a bad ID is reported once, by the ID checks, not again as a
gender or age mismatch.
"""

from __future__ import annotations

import pandas as pd

from validators import codes, fields, idcard, retirement
from validators.checks import derived
from validators.context import RuleContext

_DIGITS_ONLY = r"^\d+$"
_LOOSE_DOCUMENT = r"^[A-Z0-9]{5,20}$"


def only_where(mask: pd.Series, ok: pd.Series) -> pd.Series:
    """`ok` where `mask` holds, True elsewhere."""
    return ok | ~mask


def gb_typed(df: pd.DataFrame) -> pd.Series:
    """Rows whose document follows GB 11643 (blank type means 居民身份证)."""
    return df["证件类型"].eq("") | df["证件类型"].isin(codes.GB11643_ID_TYPES)


def valid_ids(df: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.Series:
    """Rows whose ID is a complete, correct 18-character GB 11643 number coding a birth
    date that exists (and is not after `today`, when given)."""
    return derived(f"valid_ids/{today}", df, lambda: _valid_ids(df, today))


def _valid_ids(df: pd.DataFrame, today: pd.Timestamp | None) -> pd.Series:
    col = df["证件号码"]
    shaped = col.str.fullmatch(idcard.ID18_PATTERN.pattern)
    born_ok = fields.id18_birth_date(col, pd.Timestamp.max if today is None else today)
    ok = shaped & checksum_ok(df) & born_ok
    return ok & (gb_typed(df) if "证件类型" in df else True)


def checksum_ok(df: pd.DataFrame) -> pd.Series:
    """`fields.id18_checksum` of the ID column, computed once per validation."""
    return derived("checksum_ok", df, lambda: fields.id18_checksum(df["证件号码"]))


def untyped_id_shape(col: pd.Series) -> pd.Series:
    """For sheets without a document type: digit-only numbers must be 18 long, anything
    else must look like a document number (5-20 letters and digits)."""
    # A run of 14 or more digits means a resident ID was meant (passports have few digits).
    id_like = col.str.fullmatch(_DIGITS_ONLY) | col.str.contains(r"[0-9]{14,}")
    ok18 = col.str.fullmatch(idcard.ID18_PATTERN.pattern)
    other = ~id_like & col.str.fullmatch(_LOOSE_DOCUMENT)
    return fields.blank(col) | ~fields.id_not_excel_number(col) | ok18 | other


def birth_dates(df: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.Series:
    """Birth date of each row: the 出生日期 cell when valid, else the one in the ID."""
    return derived(f"birth_dates/{today}", df, lambda: _birth_dates(df, today))


def _birth_dates(df: pd.DataFrame, today: pd.Timestamp | None) -> pd.Series:
    typed = fields.parse_dates(df["出生日期"])
    from_id = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    good = valid_ids(df, today)
    if good.any():
        from_id[good] = idcard.birth_dates_of(df.loc[good, "证件号码"])
    return typed.fillna(from_id)


def gender_matches_id(df: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.Series:
    """性别 agrees with the gender digit of a valid ID."""
    judged = valid_ids(df, today) & df["性别"].isin(codes.GENDERS)
    ok = pd.Series(True, index=df.index)
    if judged.any():
        ok[judged] = idcard.genders_of(df.loc[judged, "证件号码"]).eq(df.loc[judged, "性别"])
    return ok


def birth_matches_id(df: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.Series:
    """出生日期 agrees with the birth date in a valid ID."""
    typed = fields.parse_dates(df["出生日期"])
    judged = valid_ids(df, today) & typed.notna()
    ok = pd.Series(True, index=df.index)
    if judged.any():
        ok[judged] = idcard.birth_dates_of(df.loc[judged, "证件号码"]).eq(typed[judged])
    return ok


def work_after_birth(df: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.Series:
    """参加工作日期, when given, is not before the birth date."""
    work = fields.parse_dates(df["参加工作日期"])
    born = birth_dates(df, today)
    return work.isna() | born.isna() | (work >= born)


def _month_index(col: pd.Series) -> pd.Series:
    """YYYYMM as a month count (NaN where not a valid month), for arithmetic."""
    valid = col.str.fullmatch(fields.MONTH_PATTERN)
    years = pd.to_numeric(col.str.slice(0, 4).where(valid), errors="coerce")
    months = pd.to_numeric(col.str.slice(4, 6).where(valid), errors="coerce")
    return years * 12 + months - 1


def month_not_after_next(col: pd.Series, ctx: RuleContext) -> pd.Series:
    """The month is not later than next month (invalid months are other checks' business)."""
    return ~col.str.fullmatch(fields.MONTH_PATTERN) | (col <= ctx.next_month)


def month_not_too_early(col: pd.Series, ctx: RuleContext) -> pd.Series:
    """The month is not earlier than the back-dating limit."""
    return ~col.str.fullmatch(fields.MONTH_PATTERN) | (col >= ctx.earliest_month)


def old_enough(df: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    """The person turns `min_age` no later than the month of enrolment."""
    born = birth_dates(df, pd.Timestamp(ctx.today))
    born_index = born.dt.year * 12 + born.dt.month - 1
    age_months = _month_index(df["参保年月"]) - born_index
    return age_months.isna() | (age_months >= ctx.min_age * 12)


def retirement_months_of(df: pd.DataFrame, ctx: RuleContext) -> pd.Series:
    """Statutory retirement month (YYYYMM, '' when unknown) of each row's person."""
    cats = retirement.categories(df["性别"], df["个人身份"])
    return retirement.retirement_months(
        birth_dates(df, pd.Timestamp(ctx.today)), cats, ctx.retirement
    )


def before_retirement(
    births: pd.Series,
    genders: pd.Series,
    identities: pd.Series,
    months: pd.Series,
    ctx: RuleContext,
) -> pd.Series:
    """The month (YYYYMM) is before the person's statutory retirement month.

    The one rule behind "no 养老保险 and no 失业保险 at or past retirement age", whoever
    supplies the person's facts (the sheet for 人员增加, the registry for 人员险种增加).
    Rows whose category, birth date or month is unknown pass: other checks report those.
    """
    judged = months.str.fullmatch(fields.MONTH_PATTERN).fillna(False).astype(bool)
    ok = pd.Series(True, index=months.index)
    if judged.any():
        retire = retirement_months_for(births[judged], genders[judged], identities[judged], ctx)
        ok[judged] = retire.eq("") | (months[judged] < retire)
    return ok


def retirement_months_for(
    births: pd.Series, genders: pd.Series, identities: pd.Series, ctx: RuleContext
) -> pd.Series:
    """Statutory retirement month (YYYYMM) of each person, '' when their category or birth
    date is unknown: a woman's age depends on 个人身份, so she is not judged until it is
    valid (a man's does not)."""
    known = genders.eq("男") | (genders.eq("女") & identities.isin(codes.IDENTITIES))
    known &= births.notna()
    out = pd.Series("", index=births.index, dtype=object)
    if known.any():
        cats = retirement.categories(genders[known], identities[known])
        out[known] = retirement.retirement_months(births[known], cats, ctx.retirement)
    return out


# The insurances nobody may join at or past statutory retirement age (DOMAIN.md): work
# injury and medical alone are allowed, 单项参加工伤保险 is common for workers kept on.
RETIREMENT_BARRED = ("养老保险", "失业保险")


def insurance_before_retirement(df: pd.DataFrame, ctx: RuleContext, column: str) -> pd.Series:
    """A 人员增加 row marking `column` (养老保险 / 失业保险) 是 enrols before the person's
    statutory retirement month."""
    chosen = df[column].eq("是")
    ok = pd.Series(True, index=df.index)
    if chosen.any():
        rows = df[chosen]
        born = birth_dates(df, pd.Timestamp(ctx.today))[chosen]
        ok[chosen] = before_retirement(born, rows["性别"], rows["个人身份"], rows["参保年月"], ctx)
    return ok


def unique_ids(df: pd.DataFrame) -> pd.Series:
    """No ID number appears on two rows of the sheet."""
    col = df["证件号码"]
    # A number Excel made of an ID is its own error; its lost digits make many alike.
    mangled = ~fields.id_not_excel_number(col)
    return fields.blank(col) | mangled | ~col.duplicated(keep=False)


def unique_per_insurance(df: pd.DataFrame) -> pd.Series:
    """No (ID number, 险种) pair appears on two rows of the sheet."""
    ids = df["证件号码"]
    pairs = ids + "|" + df["险种"]
    return fields.blank(ids) | fields.blank(df["险种"]) | ~pairs.duplicated(keep=False)
