"""`importer.normalise`: what people type differently but mean the same is made the same,
and nothing is guessed (an ID Excel turned into a number stays as it is, for its error)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.kinds import spec_of
from importer.normalise import normalise, normalise_dates, normalise_months
from validators.idcard import check_char, is_valid_id18, upgrade_id15

pytestmark = pytest.mark.unit

ADD = spec_of("person_add")
REMOVE = spec_of("person_remove")
LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(ADD.headers)}
FULL = {
    ord(c): ord(c) + 0xFEE0
    for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-()"
}


def full_width(text: str) -> str:
    return text.translate(FULL)


def make_id(first17: str) -> str:
    return first17 + check_char(first17)


def frame(spec=ADD, rows: list[dict] | None = None, start: int = 3) -> pd.DataFrame:
    """A text frame of `spec` with the given cells, every other cell blank."""
    rows = rows or [{}]
    data = {h: [str(r.get(h, "")) for r in rows] for h in spec.headers}
    index = pd.Index(range(start, start + len(rows)), name="row")
    return pd.DataFrame(data, index=index, dtype=object)


def norm(column: str, *values: str, spec=ADD) -> list[str]:
    df, _ = normalise(frame(spec, [{column: v} for v in values]), spec, LETTERS)
    return df[column].tolist()


# ------------------------------------------------------------------ dates and months


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1990-01-31", "1990-01-31"),
        ("1990/1/5", "1990-01-05"),
        ("1990.1.5", "1990-01-05"),
        ("1990年1月5日", "1990-01-05"),
        ("1990年01月05", "1990-01-05"),
        ("19900105", "1990-01-05"),
        ("1990-01-05 00:00:00", "1990-01-05"),
        ("1990/1/5 0:00", "1990-01-05"),
        ("1990-01-05 00:00", "1990-01-05"),
        ("1990-01-05 12:30", "1990-01-05 12:30"),  # a time of day is not guessed away
        ("32874", "1990-01-01"),  # an Excel serial without a date format
        ("32874.0", "1990-01-01"),
        ("10000", "1927-05-18"),
        ("1990", "1990"),  # a year, not serial 1990 (1905-06-12)
        ("61", "61"),
        ("73050", "2099-12-31"),
        ("73051", "73051"),  # beyond 2099: not taken for a date
        ("60", "60"),  # Excel's fictitious 1900-02-29 and earlier: not dates here
        ("5", "5"),
        ("", ""),
        ("abc", "abc"),
        ("1990-01-05 08:30:00", "1990-01-05 08:30:00"),  # left for the date check
        ("90-1-5", "90-1-5"),
        ("1990-02-30", "1990-02-30"),  # shape only; the check reports the impossible day
    ],
)
def test_normalise_dates(typed, expected):
    assert normalise_dates(pd.Series([typed], dtype=object)).tolist() == [expected]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("202611", "202611"),
        ("2026-11", "202611"),
        ("2026/11", "202611"),
        ("2026-1", "202601"),
        ("2026.11", "202611"),
        ("2026年11月", "202611"),
        ("2026年1月", "202601"),
        ("2026-11-01", "202611"),
        ("2026/11/15", "202611"),
        ("2026-11-01 00:00:00", "202611"),
        ("46327", "202611"),  # Excel serial of 2026-11-01
        ("2026.1", "2026.1"),  # October or January? not guessed
        ("11", "11"),  # "November", typed bare: reported as typed, not read as 1900-01-10
        ("2026", "2026"),  # a year alone: reported as typed, not read as 1905-07
        ("", ""),
        ("2026-13", "202613"),  # shape only; the month check reports it
        ("十一月", "十一月"),
    ],
)
def test_normalise_months(typed, expected):
    assert normalise_months(pd.Series([typed], dtype=object)).tolist() == [expected]


def test_six_digit_months_are_never_read_as_serials():
    # 202611 is also a number in the serial range's shape, but it is a month.
    assert normalise_months(pd.Series(["202611", "199912"], dtype=object)).tolist() == [
        "202611",
        "199912",
    ]


def test_date_and_month_columns_of_a_sheet():
    df, _ = normalise(
        frame(rows=[{"出生日期": "32874", "参加工作日期": "2012/7/1", "参保年月": "2026-11-01"}]),
        ADD,
        LETTERS,
    )
    assert df.loc[3, ["出生日期", "参加工作日期", "参保年月"]].tolist() == [
        "1990-01-01",
        "2012-07-01",
        "202611",
    ]


# ------------------------------------------------------------------ IDs


def test_ids_full_width_lowercase_spaces_and_invisible_characters():
    canonical = make_id("33068219850312001")
    lower = canonical.lower()
    typed = [
        full_width(canonical),
        f"  {canonical}  ",
        canonical[:6] + " " + canonical[6:14] + " " + canonical[14:],
        "\u200b" + canonical + "\ufeff",
        "\u3000" + canonical,
        lower,
    ]
    assert norm("证件号码", *typed) == [canonical] * len(typed)


def test_lowercase_x_becomes_upper_case():
    for n in range(1000):
        candidate = make_id(f"33068219850312{n:03d}")
        if candidate.endswith("X"):
            break
    assert norm("证件号码", candidate[:17] + "x", full_width(candidate[:17]) + "ｘ") == [
        candidate,
        candidate,
    ]


def test_15_digit_id_is_upgraded_with_a_warning():
    df, warnings = normalise(
        frame(rows=[{"证件号码": "330682800101123"}, {"证件号码": make_id("33068219900101123")}]),
        ADD,
        LETTERS,
    )
    assert df.loc[3, "证件号码"] == "330682198001011239"
    (warning,) = warnings
    assert (warning.row, warning.column, warning.letter, warning.code, warning.severity) == (
        3,
        "证件号码",
        "C",
        "id15_upgraded",
        "warning",
    )
    assert warning.value == "330682800101123"
    assert "330682198001011239" in warning.message


def test_15_digits_of_a_passport_are_not_upgraded():
    df, warnings = normalise(
        frame(rows=[{"证件类型": "护照", "证件号码": "123456789012345"}]), ADD, LETTERS
    )
    assert df.loc[3, "证件号码"] == "123456789012345" and warnings == []


def test_15_digit_id_in_a_removal_sheet_is_upgraded():
    df, warnings = normalise(
        frame(REMOVE, [{"证件号码": "330682800101123"}]),
        REMOVE,
        {h: chr(65 + i) for i, h in enumerate(REMOVE.headers)},
    )
    assert df.loc[3, "证件号码"] == "330682198001011239"
    assert warnings[0].letter == "B"


def test_id_that_excel_made_a_number_is_left_alone():
    assert norm("证件号码", "3.30682199001011E+17", "3.30682199001011e+17") == [
        "3.30682199001011E+17",
        "3.30682199001011E+17",
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.text("0123456789", min_size=17, max_size=17),
    st.sampled_from(["plain", "full", "lower", "spaced"]),
)
def test_any_valid_id_in_any_spelling_normalises_to_itself(first17, spelling):
    canonical = make_id(first17)
    typed = {
        "plain": canonical,
        "full": full_width(canonical),
        "lower": canonical.lower(),
        "spaced": " " + " ".join(canonical[i : i + 4] for i in range(0, 18, 4)) + " ",
    }[spelling]
    assert norm("证件号码", typed) == [canonical]


@settings(max_examples=200, deadline=None)
@given(
    st.dates(
        min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("1999-12-31").date()
    ),
    st.text("0123456789", min_size=6, max_size=6),
    st.text("0123456789", min_size=3, max_size=3),
)
def test_any_15_digit_id_upgrades_to_a_valid_18_digit_id(born, area, seq):
    old = area + born.strftime("%y%m%d") + seq
    df, warnings = normalise(frame(rows=[{"证件号码": old}]), ADD, LETTERS)
    new = df.loc[3, "证件号码"]
    assert new == upgrade_id15(old)
    assert is_valid_id18(new) and new[6:14] == born.strftime("%Y%m%d")
    assert new[:6] == area and new[14:17] == seq
    assert [w.code for w in warnings] == ["id15_upgraded"]


# ------------------------------------------------------------------ other columns


def test_names_spaces_and_middle_dots():
    assert norm(
        "姓名", " 张三 ", "张\u3000三", "阿卜杜•艾尼", "玛丽・安", "约翰  史密斯", "ＪＯＨＮ"
    ) == [
        "张三",
        "张 三",
        "阿卜杜·艾尼",
        "玛丽·安",
        "约翰 史密斯",
        "JOHN",
    ]


def test_money_separators_and_currency_signs():
    assert norm(
        "月缴费工资", "6,500", "￥6500", "¥6,500.50", "6500元", "６５００", " 6500 ", "6，500"
    ) == [
        "6500",
        "6500",
        "6500.50",
        "6500",
        "6500",
        "6500",
        "6500",
    ]


def test_commas_come_off_only_where_they_group_thousands():
    assert norm("月缴费工资", "12,345,678.5", "6500,50", "1,23,456", "65,00") == [
        "12345678.5", "6500,50", "1,23,456", "65,00",  # left as typed, for the check to report
    ]  # fmt: skip


def test_phone_prefixes_and_punctuation():
    assert norm(
        "联系电话", "+86 13812345678", "86-13812345678", "138 1234 5678", "(0575)82123456",
        "０５７５－８２１２３４５６", "13812345678", "138-1234-5678", "0575-8212-3456",
    ) == [
        "13812345678",
        "13812345678",
        "13812345678",
        "057582123456",
        "0575-82123456",
        "13812345678",
        "13812345678",
        "0575-8212-3456",  # not a mobile: left for the check to report
    ]  # fmt: skip


def test_blank_document_type_defaults_to_resident_id():
    assert norm("证件类型", "", " ", "护照") == ["居民身份证", "居民身份证", "护照"]


def test_our_own_formula_escape_comes_off_again_but_nothing_else():
    assert norm("备注", "'=1+1", "'+86", "'-5", "'@x", "'abc", "=1+1", "''=1") == [
        "=1+1",
        "+86",
        "-5",
        "@x",
        "'abc",
        "=1+1",
        "''=1",
    ]


def test_the_text_marker_apostrophe_before_digits_comes_off():
    pid = make_id("33068219900315001")
    assert norm("证件号码", "'" + pid, "＇" + pid) == [pid, pid]
    assert norm("联系电话", "'13812345678") == ["13812345678"]
    assert norm("参保年月", "'202611") == ["202611"]


def test_control_characters_pasted_from_other_systems_are_dropped_but_line_breaks_kept():
    assert norm("备注", "a\x00b", "\x07响铃", "两行\n备注", "制表\t符") == [
        "ab", "响铃", "两行\n备注", "制表\t符",
    ]  # fmt: skip


def test_full_width_letters_and_punctuation_in_codes():
    assert norm("养老保险", " 是 ", "是\u200b") == ["是", "是"]
    assert norm("户口性质", "\u3000城镇") == ["城镇"]


def test_index_and_columns_are_kept():
    df = frame(rows=[{"姓名": "张三"}, {"姓名": "李四"}], start=7)
    out, _ = normalise(df, ADD, LETTERS)
    assert out.index.tolist() == [7, 8] and out.columns.tolist() == ADD.headers


def test_long_runs_of_spaces_in_date_cells_stay_fast():
    """The midnight pattern was tried from every space of a run: ten cells of 32,000
    spaces took 86 s. Now each run is tried once."""
    import time

    spaces = " " * 32_000
    df = pd.DataFrame(
        {"出生日期": [f"1990-01-01{spaces}x"] * 10, "参保年月": [f"2026-11{spaces}0:00"] * 10}
    )
    start = time.perf_counter()
    dates, months = normalise_dates(df["出生日期"]), normalise_months(df["参保年月"])
    assert time.perf_counter() - start < 2
    assert dates.iloc[0].endswith("x") and months.iloc[0] == "202611"
    assert normalise_dates(pd.Series(["1990-01-31   00:00:00"])).iloc[0] == "1990-01-31"
