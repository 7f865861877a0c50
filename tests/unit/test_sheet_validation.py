"""validate_sheet end to end: exact codes, Excel rows, columns, letters and messages."""

from __future__ import annotations

import datetime as dt
import re
import string

import pandas as pd
import pandera.errors as pa_errors
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.kinds import KINDS
from importer.kinds.person_add import RULES as ADD_RULES
from importer.kinds.person_add import SPEC as PERSON_ADD
from importer.kinds.person_remove import RULES as REMOVE_RULES
from importer.kinds.person_remove import SPEC as PERSON_REMOVE
from validators import idcard, messages, sheet
from validators.checks import rule_context
from validators.context import RuleContext, month_label
from validators.models import SHARED_CHECK_COLUMNS
from validators.sheet import validate_sheet

MODELS = {name: kind.rules.model for name, kind in KINDS.items()}
# The row-level checks of 人员增加's model (shared ones it inherits, and its own).
_ADD_CHECKS = {sheet._check_code(c.name) for c in ADD_RULES.model.to_schema().checks}
ROW_CHECK_COLUMNS = {
    code: column
    for code, column in {**SHARED_CHECK_COLUMNS, **ADD_RULES.check_columns}.items()
    if code in _ADD_CHECKS
}

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 11, 29)
CTX = RuleContext(today=TODAY)
ADD = PERSON_ADD.headers
REMOVE = PERSON_REMOVE.headers
# Letters as if the upload had one extra column in front: they must come from this map,
# not from the column's position in the DataFrame.
ADD_LETTERS = {h: string.ascii_uppercase[i + 1] for i, h in enumerate(ADD)}
REMOVE_LETTERS = {h: string.ascii_uppercase[i + 2] for i, h in enumerate(REMOVE)}


def make_id(born: str, seq: str = "131", area: str = "330682") -> str:
    """A valid 18-character ID: odd `seq` for a man, even for a woman."""
    first17 = f"{area}{born}{seq}"
    return first17 + idcard.check_char(first17)


MAN_1990 = make_id("19900315", "131")
WRONG_CHECK = MAN_1990[:17] + ("0" if MAN_1990[17] != "0" else "1")


def person(**overrides: str) -> dict[str, str]:
    """A valid 人员增加 row: the template example turned into a man born 1990-03-15."""
    row = dict(zip(ADD, PERSON_ADD.example, strict=True))
    row.update(
        {"证件号码": MAN_1990, "性别": "男", "出生日期": "1990-03-15", "参加工作日期": "2010-07-01"}
    )
    row.update(overrides)
    return row


def leaver(**overrides: str) -> dict[str, str]:
    """A valid 人员减少 row."""
    row = {
        "姓名": "王五",
        "证件号码": MAN_1990,
        "减少原因": "辞职",
        "停保年月": "202611",
        "备注": "",
    }
    row.update(overrides)
    return row


def frame(rows, headers=ADD, first_row: int = 3, dtype: object = object) -> pd.DataFrame:
    """Rows as the importer hands them over: text cells, index = Excel row numbers."""
    if isinstance(rows, dict):
        rows = [rows]
    index = range(first_row, first_row + len(rows))
    return pd.DataFrame(list(rows), index=index, columns=headers, dtype=dtype)


def check_add(*rows, **kw):
    return validate_sheet(ADD_RULES, frame(list(rows), **kw), CTX, ADD_LETTERS)


def check_remove(*rows, **kw):
    return validate_sheet(REMOVE_RULES, frame(list(rows), REMOVE, **kw), CTX, REMOVE_LETTERS)


def found(errors) -> list[tuple[int, str, str | None, str]]:
    """(row, column, letter, code) of each error, in the order reported."""
    return [(e.row, e.column, e.letter, e.code) for e in errors]


def one(errors):
    assert len(errors) == 1, found(errors)
    return errors[0]


# --- valid sheets ---------------------------------------------------------------------


def test_valid_row_reports_nothing():
    assert check_add(person()) == []


@pytest.mark.parametrize("dtype", [object, "str"])
def test_valid_sheet_of_various_people_reports_nothing(dtype):
    rows = [
        person(),
        person(
            姓名="Mary Smith",
            证件号码=make_id("19800610", "122"),
            性别="女",
            出生日期="1980-06-10",
            个人身份="工人",
        ),
        person(
            姓名="阿卜杜拉·买买提",
            证件号码=make_id("19750410", "122"),  # cadre: retires 2031-08
            性别="女",
            出生日期="1975-04-10",
            个人身份="干部",
            民族="维吾尔族",
            户口性质="农村",
        ),
        person(证件类型="", 证件号码=make_id("19851231", "333"), 出生日期="1985-12-31"),
        person(证件类型="港澳台居民居住证", 证件号码=make_id("19900315", "111", "810000")),
        person(证件类型="护照", 证件号码="E12345678", 出生日期="1990-01-01"),
        person(证件类型="外国人永久居留身份证", 证件号码="USA123456789012", 性别="女"),
        person(证件类型="外国人永久居留身份证", 证件号码="93303119900315123X"),
        person(
            证件号码=make_id("20101130", "151"),
            出生日期="2010-11-30",
            参加工作日期="",
            民族="",
            备注="",
        ),
        person(证件号码=make_id("19660710", "171"), 出生日期="1966-07-10"),  # retires 2026-12
        person(证件号码=make_id("19951212", "191"), 出生日期="1995-12-12", 参保年月="202511"),
        person(证件号码=make_id("19951213", "191"), 出生日期="1995-12-13", 参保年月="202612"),
        person(证件号码=make_id("19951214", "191"), 出生日期="1995-12-14", 月缴费工资="4462.55"),
        person(
            证件号码=make_id("19951215", "191"), 出生日期="1995-12-15", 联系电话="0575-82123456"
        ),
        person(证件号码=make_id("19951216", "191"), 出生日期="1995-12-16", 养老保险="否"),
        person(
            证件号码=make_id("19951217", "191"),
            出生日期="1995-12-17",
            养老保险="否",
            医疗保险="否",
            失业保险="否",
        ),
    ]
    assert check_add(*rows, dtype=dtype) == []


def test_template_example_row_is_itself_valid():
    # The instructions sheet shows this row to every clerk: it must pass every rule.
    example = dict(zip(ADD, PERSON_ADD.example, strict=True))
    assert idcard.is_valid_id18(example["证件号码"])
    assert check_add(example) == []


def test_twenty_thousand_valid_rows_report_nothing():
    start = dt.date(1975, 1, 1)
    rows = []
    for i in range(20_000):
        born = start + dt.timedelta(days=i % 9000)
        seq = f"{101 + 2 * (i // 9000):03d}"
        rows.append(
            person(
                证件号码=make_id(f"{born:%Y%m%d}", seq),
                出生日期=f"{born:%Y-%m-%d}",
                参加工作日期="",
            )
        )
    df = frame(rows)
    assert df["证件号码"].is_unique
    assert validate_sheet(ADD_RULES, df, CTX, ADD_LETTERS) == []


# --- one cell -------------------------------------------------------------------------


@pytest.mark.parametrize("column", PERSON_ADD.required)
def test_each_required_column_blank(column):
    errors = check_add(person(**{column: ""}))
    assert found(errors) == [(3, column, ADD_LETTERS[column], "required")]
    assert errors[0].value == ""
    assert column in errors[0].message


@pytest.mark.parametrize("column", [c.name for c in PERSON_ADD.columns if not c.required])
def test_optional_columns_may_be_blank(column):
    assert check_add(person(**{column: ""})) == []


CODED = [c for c in PERSON_ADD.columns if c.choices]


@pytest.mark.parametrize("spec", CODED, ids=[c.name for c in CODED])
def test_each_coded_column_wrong_value(spec):
    errors = check_add(person(**{spec.name: "未知"}))
    assert found(errors) == [(3, spec.name, ADD_LETTERS[spec.name], "not_in_list")]
    message = errors[0].message
    assert "「未知」" in message
    assert spec.name in message
    assert spec.choices[0] in message


def test_long_choice_lists_are_shortened_in_the_message():
    message = one(check_add(person(民族="火星族"))).message
    assert "汉族、蒙古族" in message
    assert message.count("、") == 11
    assert "等" in message
    assert "外国血统" not in message


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("姓名", "张3", "person_name"),
        ("姓名", "张", "person_name"),
        ("姓名", "张三!", "person_name"),
        ("出生日期", "1990-02-30", "date_format"),
        ("出生日期", "1990/03/15", "date_format"),
        ("参加工作日期", "2023-02-29", "date_format"),
        ("参保年月", "202613", "month_format"),
        ("参保年月", "2026-11", "month_format"),
        ("月缴费工资", "6500.555", "money_format"),
        ("月缴费工资", "0", "money_format"),
        ("月缴费工资", "-1", "money_format"),
        ("月缴费工资", "abc", "money_format"),
        ("联系电话", "12812345678", "phone_format"),
        ("联系电话", "82123456", "phone_format"),
    ],
)
def test_cell_format_errors(column, value, code):
    error = one(check_add(person(**{column: value})))
    assert (error.row, error.column, error.letter, error.code) == (
        3,
        column,
        ADD_LETTERS[column],
        code,
    )
    assert error.value == value
    assert value in error.message


def test_too_long_note():
    error = one(check_add(person(备注="备" * 201)))
    assert found([error]) == [(3, "备注", "T", "too_long")]
    assert "200" in error.message and "201" in error.message


def test_too_long_name_is_reported_on_the_name():
    errors = check_add(person(姓名="张" * 31))
    assert {e.column for e in errors} == {"姓名"}
    assert "too_long" in {e.code for e in errors}


# --- the ID ---------------------------------------------------------------------------


def test_excel_number_id_is_its_own_error():
    error = one(check_add(person(证件号码="3.30682198001012E+17")))
    assert found([error]) == [(3, "证件号码", "D", "id_excel_number")]
    assert "证件号码被 Excel 转成了数字" in error.message
    assert "3.30682198001012E+17" in error.message
    assert "设为文本后重新填写" in error.message


@pytest.mark.parametrize(
    "value", [MAN_1990[:17], MAN_1990 + "1", "33068219900315", "ABCDEFGHIJKLMNOPQR"]
)
def test_id_wrong_length_or_shape(value):
    error = one(check_add(person(证件号码=value)))
    assert found([error]) == [(3, "证件号码", "D", "id_format")]
    assert value in error.message
    assert f"现在是 {len(value)} 位" in error.message


def test_bad_check_digit_names_the_expected_character():
    error = one(check_add(person(证件号码=WRONG_CHECK)))
    assert found([error]) == [(3, "证件号码", "D", "id_checksum")]
    assert WRONG_CHECK in error.message
    assert f"应为 {MAN_1990[17]}" in error.message


def test_bad_check_digit_expected_digit():
    value = "110105194912310021"  # the domain example with 1 instead of X
    error = one(
        check_add(
            person(证件号码=value, 性别="女", 出生日期="1949-12-31", 养老保险="否", 失业保险="否")
        )
    )
    assert error.code == "id_checksum"
    assert "应为 X" in error.message


@pytest.mark.parametrize(
    ("born", "shown"),
    [
        ("20261130", "2026-11-30"),  # tomorrow
        ("20270101", "2027-01-01"),
        ("20230230", "2023-02-30"),  # impossible
        ("19000229", "1900-02-29"),
    ],
)
def test_bad_birth_date_in_id(born, shown):
    value = make_id(born)
    error = one(check_add(person(证件号码=value)))
    assert found([error]) == [(3, "证件号码", "D", "id_birth_date")]
    assert value in error.message
    assert shown in error.message


def test_future_birth_date_in_id_with_blank_birth_cell():
    # The bad ID is not used as a birth date: no age, work-date or retirement errors.
    errors = check_add(person(证件号码=make_id("20270101"), 出生日期=""))
    assert found(errors) == [
        (3, "证件号码", "D", "id_birth_date"),
        (3, "出生日期", "F", "required"),
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (WRONG_CHECK, "id_checksum"),
        (MAN_1990[:17], "id_format"),
        ("3.30682198001012E+17", "id_excel_number"),
        (make_id("20230230"), "id_birth_date"),
        (make_id("20270101"), "id_birth_date"),
    ],
)
def test_bad_id_reports_only_the_id_error(value, code):
    # 性别 and 出生日期 disagree with the digits, but the ID itself is wrong.
    errors = check_add(person(证件号码=value, 性别="女", 出生日期="1991-01-01"))
    assert found(errors) == [(3, "证件号码", "D", code)]


def test_gender_mismatch():
    error = one(check_add(person(性别="女")))
    assert found([error]) == [(3, "性别", "E", "gender_mismatch")]
    assert "「女」" in error.message and "「男」" in error.message


def test_gender_mismatch_for_a_woman_id():
    woman = make_id("19900315", "122")
    error = one(check_add(person(证件号码=woman, 性别="男")))
    assert error.code == "gender_mismatch"
    assert "「男」" in error.message and "「女」" in error.message


def test_birth_mismatch():
    error = one(check_add(person(出生日期="1990-03-16")))
    assert found([error]) == [(3, "出生日期", "F", "birth_mismatch")]
    assert "1990-03-16" in error.message and "1990-03-15" in error.message


def test_hk_macao_taiwan_permit_follows_gb11643():
    permit = make_id("19900315", "111", "810000")
    bad = permit[:17] + ("0" if permit[17] != "0" else "1")
    assert check_add(person(证件类型="港澳台居民居住证", 证件号码=permit)) == []
    assert found(check_add(person(证件类型="港澳台居民居住证", 证件号码=bad))) == [
        (3, "证件号码", "D", "id_checksum")
    ]
    assert found(check_add(person(证件类型="港澳台居民居住证", 证件号码=permit, 性别="女"))) == [
        (3, "性别", "E", "gender_mismatch")
    ]


@pytest.mark.parametrize("value", ["E12345678", "G1234", "P" + "1" * 19, "123456789012345678"])
def test_passport_numbers_accepted(value):
    # Not a GB 11643 document: no checksum, gender or birth-date comparison.
    assert (
        check_add(person(证件类型="护照", 证件号码=value, 性别="女", 出生日期="1985-05-05")) == []
    )


@pytest.mark.parametrize("value", ["E123", "E-1234567", "E1234567 8", "P" + "1" * 20, "e12345678"])
def test_passport_format(value):
    error = one(check_add(person(证件类型="护照", 证件号码=value)))
    assert found([error]) == [(3, "证件号码", "D", "passport_format")]
    assert value in error.message
    assert "护照" in error.message


@pytest.mark.parametrize("value", ["USA123456789012", "CHN000000000001", "93303119900315123X"])
def test_foreign_permanent_residence_card_accepted(value):
    assert check_add(person(证件类型="外国人永久居留身份证", 证件号码=value)) == []


@pytest.mark.parametrize(
    "value",
    [
        "US123456789012",
        "USA12345678901",
        "USA1234567890123",
        MAN_1990,
        "9330311990031512",
        "E12345678",
    ],
)
def test_foreign_permanent_residence_card_format(value):
    error = one(check_add(person(证件类型="外国人永久居留身份证", 证件号码=value)))
    assert found([error]) == [(3, "证件号码", "D", "foreign_id_format")]
    assert value in error.message


# --- across a row ---------------------------------------------------------------------


def test_no_insurance():
    error = one(check_add(person(养老保险="否", 医疗保险="否", 失业保险="否", 工伤保险="否")))
    assert found([error]) == [(3, "养老保险", "O", "no_insurance")]
    assert "「否」" in error.message


def test_no_insurance_is_not_judged_while_an_answer_is_missing():
    errors = check_add(person(养老保险="否", 医疗保险="否", 失业保险="否", 工伤保险=""))
    assert found(errors) == [(3, "工伤保险", "R", "required")]


def test_work_before_birth():
    error = one(check_add(person(参加工作日期="1989-12-31")))
    assert found([error]) == [(3, "参加工作日期", "K", "work_before_birth")]
    assert "1989-12-31" in error.message


def test_under_16_at_start_month():
    young = make_id("20101201", "151")
    error = one(check_add(person(证件号码=young, 出生日期="2010-12-01", 参加工作日期="")))
    assert found([error]) == [(3, "参保年月", "M", "too_young")]
    assert "2010-12-01" in error.message
    assert "2026年11月" in error.message
    assert "16" in error.message
    ok = person(证件号码=young, 出生日期="2010-12-01", 参加工作日期="", 参保年月="202612")
    assert check_add(ok) == []


MAN_1966_07 = make_id("19660710", "171")  # statutory retirement 2026-12
OTHER_MAN_1966_07 = make_id("19660710", "191")


def test_pension_enrolment_in_the_retirement_month():
    row = person(证件号码=MAN_1966_07, 出生日期="1966-07-10", 参保年月="202612", 失业保险="否")
    error = one(check_add(row))
    assert found([error]) == [(3, "养老保险", "O", "pension_past_retirement")]
    assert "2026年12月" in error.message
    assert "「否」" in error.message


def test_pension_and_unemployment_in_the_retirement_month_are_both_refused():
    row = person(证件号码=MAN_1966_07, 出生日期="1966-07-10", 参保年月="202612")
    errors = check_add(row)
    assert found(errors) == [
        (3, "养老保险", "O", "pension_past_retirement"),
        (3, "失业保险", "Q", "unemployment_past_retirement"),
    ]
    unemployment = errors[1]
    assert "失业保险" in unemployment.message and "2026年12月" in unemployment.message


def test_unemployment_alone_past_retirement_is_refused():
    row = person(证件号码=MAN_1966_07, 出生日期="1966-07-10", 参保年月="202612", 养老保险="否")
    error = one(check_add(row))
    assert found([error]) == [(3, "失业保险", "Q", "unemployment_past_retirement")]
    assert "不能再参加失业保险" in error.message


def test_pension_enrolment_after_the_retirement_month():
    row = person(证件号码=make_id("19650110", "171"), 出生日期="1965-01-10", 失业保险="否")
    error = one(check_add(row))  # retired 2025-02
    assert error.code == "pension_past_retirement"
    assert "2025年2月" in error.message and "2026年11月" in error.message


def test_pension_enrolment_before_the_retirement_month_is_fine():
    row = person(证件号码=MAN_1966_07, 出生日期="1966-07-10", 参保年月="202611")
    assert check_add(row) == []


def test_other_insurances_past_retirement_are_fine():
    row = person(
        证件号码=MAN_1966_07, 出生日期="1966-07-10", 参保年月="202612", 养老保险="否", 失业保险="否"
    )
    assert check_add(row) == []


def test_retirement_age_depends_on_identity_for_women():
    woman = make_id("19760310", "122")  # worker: 2026-11; cadre: 2032-10
    base = {"证件号码": woman, "性别": "女", "出生日期": "1976-03-10", "失业保险": "否"}
    assert found(check_add(person(**base, 个人身份="工人"))) == [
        (3, "养老保险", "O", "pension_past_retirement")
    ]
    assert check_add(person(**base, 个人身份="干部")) == []


@pytest.mark.parametrize(("identity", "code"), [("", "required"), ("经理", "not_in_list")])
def test_unknown_identity_of_a_woman_is_reported_once(identity, code):
    # Without a valid 个人身份 her retirement age is unknown: no guessed retirement error.
    woman = make_id("19750410", "122")  # cadre: 2031-08; worker: 2025-06
    row = person(证件号码=woman, 性别="女", 出生日期="1975-04-10", 个人身份=identity)
    assert found(check_add(row)) == [(3, "个人身份", "I", code)]


@pytest.mark.parametrize(
    ("month", "code"),
    [
        ("202701", "month_too_late"),
        ("202801", "month_too_late"),
        ("202612", None),
        ("202511", None),
        ("202510", "month_too_early"),
        ("201001", "month_too_early"),
    ],
)
def test_start_month_window(month, code):
    errors = check_add(person(参保年月=month))
    if code is None:
        assert errors == []
        return
    error = one(errors)
    assert found([error]) == [(3, "参保年月", "M", code)]
    assert error.value == month
    assert month_label(month) in error.message
    limit = "2026年12月" if code == "month_too_late" else "2025年11月"
    assert limit in error.message
    if code == "month_too_early":
        assert "12 个月" in error.message


def test_start_month_window_follows_the_context():
    ctx = RuleContext(today=TODAY, backdate_months=24)
    df = frame([person(参保年月="202411"), person(参保年月="202410")])
    df.loc[4, "证件号码"] = make_id("19900315", "151")
    assert found(validate_sheet(ADD_RULES, df, ctx, ADD_LETTERS)) == [
        (4, "参保年月", "M", "month_too_early")
    ]


# --- across rows ----------------------------------------------------------------------


def test_duplicate_ids_report_every_row():
    other = make_id("19900315", "151")
    errors = check_add(person(), person(证件号码=other), person(), first_row=5)
    assert found(errors) == [
        (5, "证件号码", "D", "duplicate_in_sheet"),
        (7, "证件号码", "D", "duplicate_in_sheet"),
    ]
    for error in errors:
        assert MAN_1990 in error.message
        assert "第 5、7 行" in error.message
        assert "2 次" in error.message


def test_blank_ids_are_not_duplicates():
    errors = check_add(person(证件号码=""), person(证件号码=""))
    assert found(errors) == [(3, "证件号码", "D", "required"), (4, "证件号码", "D", "required")]


def test_several_errors_of_one_row_are_all_reported_in_column_order():
    row = person(
        姓名="",
        证件号码="3.30682198001012E+17",
        性别="X",
        户口性质="",
        参保年月="202701",
        月缴费工资="0",
        联系电话="123",
        备注="备" * 201,
    )
    assert found(check_add(person(), row, first_row=10)) == [
        (11, "姓名", "B", "required"),
        (11, "证件号码", "D", "id_excel_number"),
        (11, "性别", "E", "not_in_list"),
        (11, "户口性质", "H", "required"),
        (11, "参保年月", "M", "month_too_late"),
        (11, "月缴费工资", "N", "money_format"),
        (11, "联系电话", "S", "phone_format"),
        (11, "备注", "T", "too_long"),
    ]


def test_several_row_rules_of_one_row():
    young = make_id("20101201", "151")
    row = person(证件号码=young, 出生日期="2010-12-02", 性别="女", 参加工作日期="2010-01-01")
    assert found(check_add(row)) == [
        (3, "性别", "E", "gender_mismatch"),
        (3, "出生日期", "F", "birth_mismatch"),
        (3, "参加工作日期", "K", "work_before_birth"),
        (3, "参保年月", "M", "too_young"),
    ]


def test_errors_keep_excel_row_numbers_and_order():
    rows = [person(证件号码=make_id("19900315", f"{s:03d}")) for s in (101, 103, 105)]
    rows[0]["联系电话"] = "1"
    rows[2]["姓名"] = "1"
    df = frame(rows)
    df.index = [12, 7, 30]
    errors = validate_sheet(ADD_RULES, df, CTX, ADD_LETTERS)
    assert found(errors) == [
        (12, "联系电话", "S", "phone_format"),
        (30, "姓名", "B", "person_name"),
    ]


def test_letter_is_none_for_a_column_the_upload_lacks():
    errors = validate_sheet(ADD_RULES, frame(person(联系电话="1")), CTX, {})
    assert [(e.row, e.column, e.letter) for e in errors] == [(3, "联系电话", None)]


def test_errors_are_errors_and_serialise():
    error = one(check_add(person(联系电话="1")))
    assert error.severity == "error"
    assert error.to_dict()["code"] == "phone_format"
    assert error.location == "第 3 行 S 联系电话"


# --- messages -------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_LEAKS = re.compile(r"\b(None|nan|NaN|NaT|True|False|null|dtype|Timestamp)\b")


def every_error_sheet() -> pd.DataFrame:
    """One row per error code that validate_sheet can report for 人员增加 (the last two
    rows are the duplicate pair); every other row has an ID of its own."""
    young = make_id("20101201", "151")
    rows = [
        {"姓名": ""},
        {"性别": "未知"},
        {"备注": "备" * 201},
        {"姓名": "张3"},
        {"参保年月": "2026-11"},
        {"出生日期": "1990-02-30"},
        {"月缴费工资": "6500.555"},
        {"联系电话": "82123456"},
        {"证件号码": "3.30682198001012E+17"},
        {"证件号码": "1234567"},
        {"证件号码": WRONG_CHECK},
        {"证件号码": make_id("20270101", "113")},
        {"证件类型": "外国人永久居留身份证", "证件号码": "US123"},
        {"证件类型": "护照", "证件号码": "E-1"},
        {"性别": "女"},
        {"出生日期": "1990-03-16"},
        {"参加工作日期": "1980-01-01"},
        {"养老保险": "否", "医疗保险": "否", "失业保险": "否", "工伤保险": "否"},
        {"证件号码": young, "出生日期": "2010-12-01", "参加工作日期": ""},
        {"证件号码": MAN_1966_07, "出生日期": "1966-07-10", "参保年月": "202612", "失业保险": "否"},
        {
            "证件号码": OTHER_MAN_1966_07,
            "出生日期": "1966-07-10",
            "参保年月": "202612",
            "养老保险": "否",
        },
        {"参保年月": "202701"},
        {"参保年月": "202001"},
    ]
    own_ids = [
        person(**{"证件号码": make_id("19900315", f"{201 + 2 * i:03d}"), **r})
        for i, r in enumerate(rows)
    ]
    twins = [person(证件号码=make_id("19900315", "199"))] * 2
    return frame(own_ids + twins)


def test_every_check_of_the_model_has_a_message():
    for kind, model in MODELS.items():
        schema = model.to_schema()
        names = {c.name for c in schema.checks}
        for column in schema.columns.values():
            names |= {c.name for c in column.checks}
        missing = {sheet._check_code(n) for n in names} - set(messages.TEMPLATES)
        assert not missing, (kind, missing)


def test_the_every_error_sheet_reports_every_code_once_where_expected():
    errors = validate_sheet(ADD_RULES, every_error_sheet(), CTX, ADD_LETTERS)
    codes = [e.code for e in errors]
    expected = {
        "required",
        "not_in_list",
        "too_long",
        "person_name",
        "month_format",
        "date_format",
        "money_format",
        "phone_format",
        *ROW_CHECK_COLUMNS,
        "month_too_late",
        "month_too_early",
    }
    assert set(codes) == expected
    # Every row shows exactly its own error (the duplicate pair shows it twice).
    assert len(errors) == len(every_error_sheet())
    for error in errors:
        if error.code in ROW_CHECK_COLUMNS:
            assert error.column == ROW_CHECK_COLUMNS[error.code]


def test_every_message_is_plain_chinese_and_shows_the_value():
    errors = validate_sheet(ADD_RULES, every_error_sheet(), CTX, ADD_LETTERS)
    for error in errors:
        message = error.message
        assert CJK.search(message), message
        assert not ENGLISH_LEAKS.search(message), message
        assert "{" not in message and "}" not in message, message
        if error.code.startswith("month_too") or error.code == "too_young":
            assert month_label(error.value) in message, message
        elif error.code in ("required", "pension_past_retirement", "unemployment_past_retirement"):
            assert error.column in message, message
        elif error.code == "too_long":
            assert str(len(error.value)) in message, message
        else:
            assert error.value in message, message


def test_person_remove_messages_are_plain_chinese():
    rows = [
        leaver(姓名=""),
        leaver(证件号码="12345"),
        leaver(证件号码=WRONG_CHECK),
        leaver(证件号码="3.30682198001012E+17"),
        leaver(证件号码=make_id("20270101")),
        leaver(证件号码=make_id("19900315", "151"), 停保年月="202701"),
        leaver(证件号码=make_id("19900315", "153"), 减少原因="跳槽"),
        leaver(证件号码=make_id("19900315", "155"), 停保年月="2026-11"),
    ]
    errors = check_remove(*rows)
    assert len(errors) == len(rows)
    for error in errors:
        assert CJK.search(error.message), error.message
        assert not ENGLISH_LEAKS.search(error.message), error.message
        if error.code == "month_too_late":
            assert month_label(error.value) in error.message
        elif error.code != "required":
            assert error.value in error.message, error.message


# --- 人员减少 ---------------------------------------------------------------------------


def test_remove_valid_rows_report_nothing():
    rows = [
        leaver(),
        leaver(证件号码=make_id("19800610", "122"), 减少原因="终止劳动合同", 停保年月="202612"),
        leaver(证件号码="E12345678", 减少原因="出国定居", 停保年月="201001", 备注="回国"),
        leaver(证件号码="USA123456789012", 减少原因="其他"),
    ]
    assert check_remove(*rows) == []


@pytest.mark.parametrize("column", PERSON_REMOVE.required)
def test_remove_each_required_column_blank(column):
    assert found(check_remove(leaver(**{column: ""}))) == [
        (3, column, REMOVE_LETTERS[column], "required")
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("3.30682198001012E+17", "id_excel_number"),
        (MAN_1990[:17], "id_format"),
        (MAN_1990[:17] + "01", "id_format"),  # 19 digits
        ("12345", "id_format"),
        ("AB-12345", "id_format"),
        (WRONG_CHECK, "id_checksum"),
        (make_id("20261130"), "id_birth_date"),
        (make_id("20230230"), "id_birth_date"),
    ],
)
def test_remove_id_rules(value, code):
    error = one(check_remove(leaver(证件号码=value)))
    assert found([error]) == [(3, "证件号码", "D", code)]
    assert value in error.message


def test_remove_checksum_message_names_the_expected_character():
    error = one(check_remove(leaver(证件号码=WRONG_CHECK)))
    assert f"应为 {MAN_1990[17]}" in error.message


@pytest.mark.parametrize(
    ("month", "code"),
    [("202611", None), ("202612", None), ("202701", "month_too_late"), ("202001", None)],
)
def test_remove_stop_month_not_after_next_month(month, code):
    errors = check_remove(leaver(停保年月=month))
    if code is None:
        assert errors == []
        return
    error = one(errors)
    assert found([error]) == [(3, "停保年月", "F", code)]
    assert (
        "停保年月" in error.message
        and "2027年1月" in error.message
        and "2026年12月" in error.message
    )


def test_remove_stop_month_format():
    assert found(check_remove(leaver(停保年月="202613"))) == [(3, "停保年月", "F", "month_format")]


def test_remove_reason_not_in_list():
    error = one(check_remove(leaver(减少原因="跳槽")))
    assert found([error]) == [(3, "减少原因", "E", "not_in_list")]
    assert "解除劳动合同" in error.message


def test_remove_duplicates():
    errors = check_remove(leaver(), leaver(证件号码="E12345678"), leaver(), first_row=4)
    assert found(errors) == [
        (4, "证件号码", "D", "duplicate_in_sheet"),
        (6, "证件号码", "D", "duplicate_in_sheet"),
    ]
    assert all("第 4、6 行" in e.message for e in errors)


def test_remove_several_errors_of_one_row():
    row = leaver(姓名="1", 证件号码=WRONG_CHECK, 减少原因="", 停保年月="202701")
    assert found(check_remove(row)) == [
        (3, "姓名", "C", "person_name"),
        (3, "证件号码", "D", "id_checksum"),
        (3, "减少原因", "E", "required"),
        (3, "停保年月", "F", "month_too_late"),
    ]


# --- robustness -----------------------------------------------------------------------

AWKWARD = [
    "",
    "是",
    "否",
    "男",
    "女",
    "干部",
    "202611",
    "202613",
    "2023-02-29",
    "0001-01-01",
    "2999-12-31",
    "1990-03-15",
    "3.30682198001012E+17",
    MAN_1990,
    make_id("20230230"),
    make_id("00010101"),
    make_id("99991231"),
    "１１０１０５１９４９１２３１００２X",
    "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",
    "٢٠٢٦١١",
    "nan",
    "None",
]
cell = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=12))


def crashed_checks(kind: str, df: pd.DataFrame) -> list[tuple[str, str]]:
    """Checks that raised instead of judging (pandera records them without a row)."""
    with rule_context(CTX):
        try:
            MODELS[kind].validate(df, lazy=True)
        except pa_errors.SchemaErrors as exc:
            cases = exc.failure_cases
            bad = cases[cases["index"].isna()]
            return list(zip(bad["check"].astype(str), bad["failure_case"].astype(str), strict=True))
    return []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries({h: st.one_of(st.just(person()[h]), cell) for h in ADD}),
        min_size=1,
        max_size=4,
    )
)
def test_person_add_checks_never_crash(rows):
    # A check that raises is dropped by validate_sheet, so its rows would pass unjudged.
    df = frame(rows)
    assert crashed_checks("person_add", df) == []
    for error in validate_sheet(ADD_RULES, df, CTX, ADD_LETTERS):
        assert error.row in df.index and error.column in ADD
        assert CJK.search(error.message)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries({h: st.one_of(st.just(leaver()[h]), cell) for h in REMOVE}),
        min_size=1,
        max_size=4,
    )
)
def test_person_remove_checks_never_crash(rows):
    df = frame(rows, REMOVE)
    assert crashed_checks("person_remove", df) == []
    for error in validate_sheet(REMOVE_RULES, df, CTX, REMOVE_LETTERS):
        assert error.row in df.index and error.column in REMOVE
