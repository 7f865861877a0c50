"""One pandera `DataFrameModel` per declaration kind; aliases are the Chinese headers.

Cell checks come from the column spec (`field_for`), so templates and validation cannot
drift apart; the rules that look across a row are the `dataframe_check`s below, each named
by the error code it reports and attributed to one column in `ROW_CHECK_COLUMNS`.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import validators.checks  # noqa: F401  (registers the check methods used by field_for)
from validators import codes, fields, idcard, row_rules
from validators.specs import PERSON_ADD, PERSON_REMOVE, KindSpec

_TYPE_CHECKS: dict[str, dict] = {
    "name": {"person_name": ()},
    "month": {"month_format": ()},
    "date": {"date_format": (), "date_in_future": ()},
    "money": {"money_format": (), "money_too_large": ()},
    "phone": {"phone_format": ()},
}


def field_for(spec: KindSpec, header: str):
    """A pandera Field with the checks the spec gives column `header`."""
    col = spec.column(header)
    checks: dict = {"too_long": {"max_len": col.max_len}}
    if col.required:
        checks["cell_required"] = ()
    if col.choices:
        checks["not_in_list"] = {"choices": col.choices}
    checks.update(_TYPE_CHECKS.get(col.type, {}))
    # ignore_na=False: cells are never NA (blank is ""), and dropping NA per check costs time.
    return pa.Field(alias=header, ignore_na=False, **checks)


class _SheetModel(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns (our 错误说明, users' own notes) are not errors
        coerce = False


class PersonAddModel(_SheetModel):
    """人员增加."""

    name: Series[str] = field_for(PERSON_ADD, "姓名")
    id_type: Series[str] = field_for(PERSON_ADD, "证件类型")
    id_number: Series[str] = field_for(PERSON_ADD, "证件号码")
    gender: Series[str] = field_for(PERSON_ADD, "性别")
    birth_date: Series[str] = field_for(PERSON_ADD, "出生日期")
    ethnicity: Series[str] = field_for(PERSON_ADD, "民族")
    hukou: Series[str] = field_for(PERSON_ADD, "户口性质")
    identity: Series[str] = field_for(PERSON_ADD, "个人身份")
    employment_form: Series[str] = field_for(PERSON_ADD, "用工形式")
    work_start: Series[str] = field_for(PERSON_ADD, "参加工作日期")
    add_reason: Series[str] = field_for(PERSON_ADD, "增加原因")
    start_month: Series[str] = field_for(PERSON_ADD, "参保年月")
    wage: Series[str] = field_for(PERSON_ADD, "月缴费工资")
    pension: Series[str] = field_for(PERSON_ADD, "养老保险")
    medical: Series[str] = field_for(PERSON_ADD, "医疗保险")
    unemployment: Series[str] = field_for(PERSON_ADD, "失业保险")
    injury: Series[str] = field_for(PERSON_ADD, "工伤保险")
    phone: Series[str] = field_for(PERSON_ADD, "联系电话")
    note: Series[str] = field_for(PERSON_ADD, "备注")

    @pa.dataframe_check(name="id_excel_number")
    def _id_excel_number(cls, df: pd.DataFrame) -> pd.Series:
        return fields.id_not_excel_number(df["证件号码"])

    @pa.dataframe_check(name="id_format")
    def _id_format(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.only_where(row_rules.gb_typed(df), fields.id18_shape(df["证件号码"]))

    @pa.dataframe_check(name="id_checksum")
    def _id_checksum(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.only_where(row_rules.gb_typed(df), row_rules.checksum_ok(df))

    @pa.dataframe_check(name="id_birth_date")
    def _id_birth_date(cls, df: pd.DataFrame) -> pd.Series:
        ok = fields.id18_birth_date(df["证件号码"], validators.checks.today())
        return row_rules.only_where(row_rules.gb_typed(df), ok)

    @pa.dataframe_check(name="foreign_id_format")
    def _foreign_id(cls, df: pd.DataFrame) -> pd.Series:
        typed = df["证件类型"].eq("外国人永久居留身份证")
        return row_rules.only_where(
            typed, fields.matches(df["证件号码"], fields.FOREIGN_PR_PATTERN)
        )

    @pa.dataframe_check(name="passport_format")
    def _passport(cls, df: pd.DataFrame) -> pd.Series:
        typed = df["证件类型"].eq("护照")
        return row_rules.only_where(typed, fields.matches(df["证件号码"], fields.PASSPORT_PATTERN))

    @pa.dataframe_check(name="gender_mismatch")
    def _gender(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.gender_matches_id(df, validators.checks.today())

    @pa.dataframe_check(name="birth_mismatch")
    def _birth(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.birth_matches_id(df, validators.checks.today())

    @pa.dataframe_check(name="work_before_birth")
    def _work_start(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.work_after_birth(df, validators.checks.today())

    @pa.dataframe_check(name="no_insurance")
    def _any_insurance(cls, df: pd.DataFrame) -> pd.Series:
        answers = df[list(codes.INSURANCE_COLUMNS)]
        all_answered = answers.isin(codes.YES_NO).all(axis=1)
        return ~all_answered | answers.eq("是").any(axis=1)

    @pa.dataframe_check(name="month_too_late")
    def _start_late(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_after_next(df["参保年月"], validators.checks.current_context())

    @pa.dataframe_check(name="month_too_early")
    def _start_early(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_too_early(df["参保年月"], validators.checks.current_context())

    @pa.dataframe_check(name="too_young")
    def _min_age(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.old_enough(df, validators.checks.current_context())

    @pa.dataframe_check(name="pension_past_retirement")
    def _retired(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.pension_before_retirement(df, validators.checks.current_context())

    @pa.dataframe_check(name="duplicate_in_sheet")
    def _duplicates(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.unique_ids(df)


class PersonRemoveModel(_SheetModel):
    """人员减少."""

    name: Series[str] = field_for(PERSON_REMOVE, "姓名")
    id_number: Series[str] = field_for(PERSON_REMOVE, "证件号码")
    reason: Series[str] = field_for(PERSON_REMOVE, "减少原因")
    stop_month: Series[str] = field_for(PERSON_REMOVE, "停保年月")
    note: Series[str] = field_for(PERSON_REMOVE, "备注")

    @pa.dataframe_check(name="id_excel_number")
    def _id_excel_number(cls, df: pd.DataFrame) -> pd.Series:
        return fields.id_not_excel_number(df["证件号码"])

    @pa.dataframe_check(name="id_format")
    def _id_format(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.untyped_id_shape(df["证件号码"])

    @pa.dataframe_check(name="id_checksum")
    def _id_checksum(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.checksum_ok(df)

    @pa.dataframe_check(name="id_birth_date")
    def _id_birth_date(cls, df: pd.DataFrame) -> pd.Series:
        return fields.id18_birth_date(df["证件号码"], validators.checks.today())

    @pa.dataframe_check(name="month_too_late")
    def _stop_late(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_after_next(df["停保年月"], validators.checks.current_context())

    @pa.dataframe_check(name="duplicate_in_sheet")
    def _duplicates(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.unique_ids(df)


MODELS: dict[str, type[_SheetModel]] = {
    "person_add": PersonAddModel,
    "person_remove": PersonRemoveModel,
}

# The column each row-level check points the user to.
ROW_CHECK_COLUMNS: dict[str, str] = {
    "id_excel_number": "证件号码",
    "id_format": "证件号码",
    "id_checksum": "证件号码",
    "id_birth_date": "证件号码",
    "foreign_id_format": "证件号码",
    "passport_format": "证件号码",
    "gender_mismatch": "性别",
    "birth_mismatch": "出生日期",
    "work_before_birth": "参加工作日期",
    "no_insurance": "养老保险",
    "too_young": "参保年月",
    "pension_past_retirement": "养老保险",
    "duplicate_in_sheet": "证件号码",
}
MONTH_COLUMN = {"person_add": "参保年月", "person_remove": "停保年月"}

__all__ = ["MODELS", "ROW_CHECK_COLUMNS", "MONTH_COLUMN", "idcard"]
