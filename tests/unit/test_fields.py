"""Vectorised field checks on normalised text: good, bad and blank values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators import fields, idcard

pytestmark = pytest.mark.unit

TODAY = pd.Timestamp("2026-11-29")


def col(*values: str, dtype: object = object) -> pd.Series:
    return pd.Series(list(values), index=range(3, 3 + len(values)), dtype=dtype)


def judge(check, value: str, *args) -> bool:
    """`check` applied to a one-cell column, as a plain bool."""
    return bool(check(col(value), *args).iloc[0])


def make_id(born: str, seq: str = "131", area: str = "330682") -> str:
    first17 = f"{area}{born}{seq}"
    return first17 + idcard.check_char(first17)


# --- filled / blank -------------------------------------------------------------------


def test_filled_and_blank():
    values = col("", "张三", " ")
    assert fields.filled(values).tolist() == [False, True, True]
    assert fields.blank(values).tolist() == [True, False, False]


def test_checks_keep_the_index():
    values = col("张三", "", "1")
    for check in (fields.person_name, fields.month, fields.date, fields.money, fields.phone):
        assert list(check(values).index) == [3, 4, 5]


@pytest.mark.parametrize("dtype", [object, "str"])
@pytest.mark.parametrize(
    "check",
    [
        fields.person_name,
        fields.month,
        fields.date,
        fields.money,
        fields.phone,
        fields.id_not_excel_number,
        fields.id18_shape,
        fields.id18_checksum,
    ],
)
def test_blank_cells_pass_every_check_but_filled(check, dtype):
    assert check(col("", "", dtype=dtype)).tolist() == [True, True]


def test_blank_id_passes_birth_date_check():
    assert fields.id18_birth_date(col(""), TODAY).tolist() == [True]


# --- person_name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "张三",
        "欧阳娜娜",
        "Mary Smith",
        "阿卜杜拉·买买提",
        "John",
        "李a",
        "𠀾𠁕",  # CJK extension B characters
        "㐀㐁",  # CJK extension A
        "a" * 30,
        "张" * 30,
        "·张",
    ],
)
def test_person_name_good(name):
    assert judge(fields.person_name, name)


@pytest.mark.parametrize(
    "name",
    [
        "张",  # 1 character
        "a",
        "张三1",
        "1234",
        "张三!",
        "张-三",
        "Mary_Smith",
        "张三@",
        "(张三)",
        " 张三",  # leading/trailing spaces are normalised away upstream
        "张三 ",
        "  ",
    ],
)
def test_person_name_bad(name):
    assert not judge(fields.person_name, name)


def test_an_over_long_name_is_too_long_not_a_bad_name():
    # One error per cell: the length limit belongs to too_long alone.
    for name in ("a" * 31, "张" * 31):
        assert judge(fields.person_name, name)
        assert not fields.short_enough(col(name), 30).iloc[0]


# --- month ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["202611", "202601", "202612", "190001", "209912", "199912"])
def test_month_good(value):
    assert judge(fields.month, value)


@pytest.mark.parametrize(
    "value",
    [
        "202613",
        "202600",
        "2026-11",  # not normalised → invalid
        "2026/11",
        "20261",
        "2026111",
        "189912",
        "210001",
        "２０２６１１",
        "abcdef",
        "2026年11月",
    ],
)
def test_month_bad(value):
    assert not judge(fields.month, value)


# --- date -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2024-02-29", "1990-01-31", "2000-02-29", "1949-12-31"])
def test_date_good(value):
    assert judge(fields.date, value)


@pytest.mark.parametrize(
    "value",
    [
        "2023-02-29",
        "1900-02-29",
        "2024-04-31",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-2-1",
        "2024/02/01",
        "20240201",
        "2024-02-01 00:00:00",
        "abc",
    ],
)
def test_date_bad(value):
    assert not judge(fields.date, value)


def test_date_column_mixing_good_bad_and_blank():
    values = col("2023-02-29", "2024-02-29", "", "2024-31-12", "1990-01-31")
    assert fields.date(values).tolist() == [False, True, True, False, True]


def _is_real_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return text[:2] in ("19", "20")  # the centuries a person's dates can be in


iso_like = st.builds(
    lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    st.integers(1900, 2100),
    st.integers(0, 13),
    st.integers(0, 32),
)


@given(st.lists(st.one_of(iso_like, st.just("")), min_size=1, max_size=8))
def test_date_agrees_with_the_calendar_whatever_the_order(values):
    # pandas infers a format from the first value; the verdict must not depend on order.
    expected = [v == "" or _is_real_date(v) for v in values]
    assert fields.date(col(*values)).tolist() == expected


# --- money ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["6500", "6500.5", "6500.55", "0.01", "1", "4462.00"])
def test_money_good(value):
    assert judge(fields.money, value)


@pytest.mark.parametrize(
    "value",
    ["6500.555", "0", "0.00", "-1", "-6500", "abc", "6,500", "6500元", "1e3", ".5", "6500."],
)
def test_money_bad(value):
    assert not judge(fields.money, value)


# --- phone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["13812345678", "19912345678", "0575-82123456", "057582123456", "010-1234567", "0575-8212345"],
)
def test_phone_good(value):
    assert judge(fields.phone, value)


@pytest.mark.parametrize(
    "value",
    [
        "12812345678",  # mobile numbers start 13-19
        "11812345678",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "82123456",  # landline without area code
        "575-82123456",
        "0575-821234",
        "phone",
        "+8613812345678",  # prefix is stripped by normalisation, not by the check
    ],
)
def test_phone_bad(value):
    assert not judge(fields.phone, value)


# --- IDs ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["3.30682198001012E+17", "3.30682E+17", "3E+17", "3.3e17"])
def test_id_excel_number_is_caught(value):
    assert not judge(fields.id_not_excel_number, value)


@pytest.mark.parametrize("value", ["11010519491231002X", "E12345678", "330682800101123", ""])
def test_id_not_excel_number_passes_others(value):
    assert judge(fields.id_not_excel_number, value)


def test_id18_shape():
    values = col(
        "11010519491231002X",
        "110105194912310021",  # wrong check digit: shape is still right
        "3.30682198001012E+17",  # Excel number: another check's business
        "1101051949123100",  # 16
        "1101051949123100211",  # 19
        "11010519491231002x",  # lowercase: normalised upstream
        "X10105194912310021",
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",
    )
    assert fields.id18_shape(values).tolist() == [True, True, True] + [False] * 5


def test_id18_checksum():
    good = make_id("19900315")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    values = col("11010519491231002X", good, wrong, "1101051949", "3.30682198001012E+17")
    # Only shaped values are judged; wrong shapes are reported by id18_shape.
    assert fields.id18_checksum(values).tolist() == [True, True, False, True, True]


def test_id18_checksum_of_non_ascii_digits_does_not_crash():
    # `\d` would match these and the vectorised check could not encode them.
    values = col("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "１１０１０５１９４９１２３１００２X")
    assert fields.id18_checksum(values).tolist() == [True, True]
    assert fields.id18_shape(values).tolist() == [False, False]


@pytest.mark.parametrize(
    ("born", "ok"),
    [
        ("19900315", True),
        ("20261129", True),  # born today
        ("19000101", True),
        ("20000229", True),
        ("20261130", False),  # tomorrow
        ("20270101", False),
        ("19000229", False),  # 1900 was not a leap year
        ("20230230", False),
        ("19991301", False),
        ("19991200", False),
        ("18991231", False),
        ("00010101", False),
    ],
)
def test_id18_birth_date(born, ok):
    assert judge(fields.id18_birth_date, make_id(born), TODAY) is ok


def test_id18_birth_date_ignores_wrong_shapes():
    values = col("1101051949", "3.30682198001012E+17", "E12345678")
    assert fields.id18_birth_date(values, TODAY).tolist() == [True, True, True]


# --- choices / length -----------------------------------------------------------------


def test_in_choices():
    values = col("男", "女", "", "M", "男 ")
    assert fields.in_choices(values, ("男", "女")).tolist() == [True, True, True, False, False]


def test_short_enough():
    values = col("", "a" * 30, "a" * 31)
    assert fields.short_enough(values, 30).tolist() == [True, True, False]


def test_matches_is_whole_match():
    values = col("AB12345", "AB12345!", "")
    assert fields.matches(values, fields.PASSPORT_PATTERN).tolist() == [True, False, True]
