"""Validation of sheets wrong on every row (issue 9): one error per real defect, and
messages that do not grow with the sheet."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from importer.kinds.base_declare import RULES, SPEC
from validators import idcard
from validators.context import RuleContext
from validators.sheet import validate_sheet

pytestmark = pytest.mark.unit

CTX = RuleContext(today=dt.date(2026, 11, 29))
LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(SPEC.headers)}


def make_id(n: int) -> str:
    first17 = f"33068219900101{n:03d}"
    return first17 + idcard.check_char(first17)


def sheet(ids: list[str]) -> pd.DataFrame:
    rows = [{"姓名": "张伟", "证件号码": i, "申报年度": "2027", "上年度工资总额": "96000",
             "上年度工作月数": "12", "备注": ""} for i in ids]  # fmt: skip
    return pd.DataFrame(rows, index=range(3, 3 + len(rows)), dtype=object)


def test_ids_excel_made_numbers_are_one_error_each_not_duplicates_too():
    # Excel keeps 15 digits: IDs differing only in the last three become one number.
    ids = ["3.30682199001E+17"] * 50
    errors = validate_sheet(RULES, sheet(ids), CTX, LETTERS)
    assert {(e.column, e.code) for e in errors} == {("证件号码", "id_excel_number")}
    assert sorted(e.row for e in errors) == list(range(3, 53))


def test_a_large_duplicate_group_lists_a_few_rows_not_all():
    errors = validate_sheet(RULES, sheet([make_id(1)] * 300), CTX, LETTERS)
    assert len(errors) == 300 and {e.code for e in errors} == {"duplicate_in_sheet"}
    message = errors[0].message
    assert "出现了 300 次" in message and "第 3、4、5、6、7、8、9、10、11、12 等 行" in message
    assert len(message) < 120


def test_row_checks_and_cell_checks_together_in_sheet_order():
    df = sheet([make_id(1), make_id(1), "12345"])
    df.loc[5, "上年度工资总额"] = "九万"
    found = [(e.row, e.column, e.code) for e in validate_sheet(RULES, df, CTX, LETTERS)]
    assert found == [
        (3, "证件号码", "duplicate_in_sheet"),
        (4, "证件号码", "duplicate_in_sheet"),
        (5, "证件号码", "id_format"),
        (5, "上年度工资总额", "money_format"),
    ]
