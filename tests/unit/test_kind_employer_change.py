"""单位基本信息变更: every rule of the sheet, on normalised cells, with exact codes."""

from __future__ import annotations

import datetime as dt
import string

import pandas as pd
import pytest

from importer.kinds.employer_change import FIELDS, RULES, SPEC, changes, clean_value
from importer.normalise import normalise
from validators.context import RuleContext
from validators.sheet import validate_sheet

pytestmark = pytest.mark.unit

CTX = RuleContext(today=dt.date(2026, 11, 29))
HEADERS = SPEC.headers
LETTERS = {h: string.ascii_uppercase[i] for i, h in enumerate(HEADERS)}
GOOD_CODE = "91330604MA2JT1XX0X"


def sheet(*rows: dict[str, str]) -> pd.DataFrame:
    """Rows of the template from Excel row 3 on, blank cells unless given."""
    frame = pd.DataFrame(
        [[r.get(h, "") for h in HEADERS] for r in rows],
        columns=HEADERS,
        index=range(3, 3 + len(rows)),
        dtype="str",
    )
    return normalise(frame, SPEC, LETTERS)[0]


def found(*rows: dict[str, str]) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.code) for e in validate_sheet(RULES, sheet(*rows), CTX, LETTERS)}


def test_the_template_example_is_valid():
    assert found(dict(zip(HEADERS, SPEC.example, strict=True))) == set()


def test_only_the_fields_that_change_are_filled():
    assert found({"联系电话": "13812345678"}) == set()


def test_a_row_with_nothing_to_change_is_refused():
    assert found({}) == {(3, "单位名称", "nothing_to_change")}


def test_one_change_per_sheet():
    assert found({"联系人": "李红"}, {"联系人": "王芳"}) == {
        (4, "单位名称", "one_change_per_sheet")
    }


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (GOOD_CODE, None),
        (GOOD_CODE.lower(), None),
        ("91330604MA2JT1XX01", "credit_code_checksum"),
        ("91330604MA2JT1XX0", "credit_code_format"),
        ("91330604MA2JT1IX0X", "credit_code_format"),
    ],
)
def test_credit_code_shape_and_check_character(code, error):
    expected = {(3, "统一社会信用代码", error)} if error else set()
    assert found({"统一社会信用代码": code}) == expected


def test_checksum_message_names_the_expected_character():
    (error,) = validate_sheet(
        RULES, sheet({"统一社会信用代码": "91330604MA2JT1XX01"}), CTX, LETTERS
    )
    assert "应为 X" in error.message and error.letter == "B"


@pytest.mark.parametrize(
    ("phone", "ok"), [("13812345678", True), ("0575-82123456", True), ("12345", False)]
)
def test_phone(phone, ok):
    assert found({"联系电话": phone}) == (set() if ok else {(3, "联系电话", "phone_format")})


@pytest.mark.parametrize(
    ("account", "error"),
    [
        ("1211020109000123456", None),
        ("6222 0212 3456 7890", None),
        ("1234567", "bank_account_format"),
        ("1" * 31, "bank_account_format"),
        ("12110201090001234AB", "bank_account_format"),
        ("6.22202123456789E+18", "bank_account_excel_number"),
    ],
)
def test_bank_account_digits_8_to_30(account, error):
    expected = {(3, "银行账号", error)} if error else set()
    assert found({"银行账号": account}) == expected


@pytest.mark.parametrize(("value", "ok"), [("1", True), ("8", True), ("0", False), ("9", False)])
def test_risk_class_1_to_8(value, ok):
    expected = set() if ok else {(3, "行业风险类别", "not_in_list")}
    assert found({"行业风险类别": value}) == expected


def test_full_width_digits_are_normalised_before_checking():
    assert found({"联系电话": "１３８１２３４５６７８"}) == set()


def test_changes_compare_cleaned_values_with_the_registry():
    current = {attr: "" for attr in FIELDS.values()} | {"credit_code": GOOD_CODE, "risk_class": "1"}
    row = {"统一社会信用代码": GOOD_CODE.lower(), "行业风险类别": "3", "银行账号": "6222 0212 3456"}
    assert changes(row, current) == {"行业风险类别": ("1", "3"), "银行账号": ("", "622202123456")}
    assert clean_value("单位名称", "甲") == "甲"


def test_current_shows_the_registered_value_only_where_the_row_changes_it():
    from importer.kinds.base import Judgement
    from importer.kinds.employer_change import current

    held = {attr: "" for attr in FIELDS.values()} | {
        "name": "上虞示例制造有限公司", "address": "示例路 8 号", "bank_account": "12110201090001",
        "risk_class": "3",
    }  # fmt: skip
    state = pd.DataFrame([held], index=pd.Index([1], name="id"))
    rows = sheet({"单位地址": "新路 18 号", "银行账号": "1211-0201-0900-01", "联系人": "王芳"})
    found = current(Judgement(rows, state, 1, CTX, LETTERS)).to_dict("index")
    assert found[3] == {h: "" for h in HEADERS} | {
        "单位地址": "示例路 8 号", "银行账号": rows.at[3, "银行账号"],
    }  # fmt: skip
    # Another employer's sheet against a state without it: nothing held to compare with.
    assert current(Judgement(rows, state, 2, CTX, LETTERS)).empty
