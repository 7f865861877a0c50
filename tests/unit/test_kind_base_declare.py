"""年度缴费基数申报 (`base_declare`): every rule on its own, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.kinds import base_declare
from importer.kinds.base import Judgement, RegistryVerdict
from importer.kinds.base_declare import (
    BASE_STATE_COLUMNS,
    PERSON_COLUMNS,
    RULES,
    SPEC,
    BaseState,
    average_fen,
    fen_text,
    to_fen,
)
from importer.normalise import normalise
from validators import idcard
from validators.context import RuleContext
from validators.sheet import validate_sheet

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 11, 29)
LIMITS = {2024: (Decimal("4812"), Decimal("24930")), 2026: (Decimal("5000"), Decimal("25000"))}
CTX = RuleContext(today=TODAY, base_limits=LIMITS)
HEADERS = SPEC.headers
LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(HEADERS)}


def make_id(born: str, seq: str = "131") -> str:
    first17 = f"330682{born}{seq}"
    return first17 + idcard.check_char(first17)


ID_A, ID_B = make_id("19900315"), make_id("19851102", "242")


def row(**cells: str) -> dict[str, str]:
    values = {"姓名": "张伟", "证件号码": ID_A, "申报年度": "2027", "上年度工资总额": "96000",
              "上年度工作月数": "12", "备注": ""}  # fmt: skip
    values.update(cells)
    return values


def frame(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), index=range(3, 3 + len(rows)), dtype=object)


def errors(*rows: dict[str, str]) -> set[tuple]:
    df, _ = normalise(frame(*rows), SPEC, LETTERS)
    return {(e.row, e.column, e.code) for e in validate_sheet(RULES, df, CTX, LETTERS)}


# ------------------------------------------------------------------ cells and rows


def test_a_valid_row_has_no_error():
    assert errors(row(), row(证件号码=ID_B, 申报年度="2026")) == set()


@pytest.mark.parametrize("year", ["2025", "2028", "1999"])
def test_only_this_year_or_the_next(year):
    df, _ = normalise(frame(row(申报年度=year)), SPEC, LETTERS)
    (error,) = validate_sheet(RULES, df, CTX, LETTERS)
    assert (error.row, error.column, error.letter, error.code) == (
        3,
        "申报年度",
        "C",
        "declare_year_window",
    )
    assert year in error.message and "2026" in error.message and "2027" in error.message


@pytest.mark.parametrize("year", ["27", "二〇二七", "2027.5"])
def test_a_year_that_is_no_year(year):
    assert errors(row(申报年度=year)) == {(3, "申报年度", "year_format")}


@pytest.mark.parametrize("months", ["0", "13", "6.5", "十二"])
def test_months_outside_1_to_12(months):
    assert errors(row(上年度工作月数=months)) == {(3, "上年度工作月数", "months_format")}


@pytest.mark.parametrize("total", ["0", "-100", "96000.123", "九万六"])
def test_total_must_be_a_positive_amount(total):
    assert errors(row(上年度工资总额=total)) == {(3, "上年度工资总额", "money_format")}


@pytest.mark.parametrize("column", ["姓名", "证件号码", "申报年度", "上年度工资总额"])
def test_required_columns(column):
    assert errors(row(**{column: ""})) == {(3, column, "required")}


def test_one_row_per_person():
    found = errors(row(), row(申报年度="2026"))
    assert found == {(3, "证件号码", "duplicate_in_sheet"), (4, "证件号码", "duplicate_in_sheet")}


def test_id_turned_into_a_number_by_excel():
    assert errors(row(证件号码="3.30682199003152E+17")) == {(3, "证件号码", "id_excel_number")}


@pytest.mark.parametrize(
    ("typed", "year", "months"),
    [("2027.0", "2027", "12"), ("2027年", "2027", "12"), ("２０２７", "2027", "12"),
     ("2027年度", "2027", "12")],
)  # fmt: skip
def test_years_as_excel_and_people_write_them(typed, year, months):
    df, _ = normalise(frame(row(申报年度=typed, 上年度工作月数="")), SPEC, LETTERS)
    assert (df.at[3, "申报年度"], df.at[3, "上年度工作月数"]) == (year, months)


@pytest.mark.parametrize(
    ("typed", "months"), [("12.0", "12"), ("6个月", "6"), ("06", "6"), ("", "12")]
)
def test_months_as_excel_and_people_write_them(typed, months):
    df, _ = normalise(frame(row(上年度工作月数=typed)), SPEC, LETTERS)
    assert df.at[3, "上年度工作月数"] == months


# ------------------------------------------------------------------ the average, exactly


@given(
    st.integers(min_value=1, max_value=99_999_999_999),  # fen, up to 9 integer digits
    st.integers(min_value=1, max_value=12),
)
def test_average_is_decimal_half_up_to_the_fen(fen, months):
    total = f"{fen // 100}.{fen % 100:02d}"
    (got,) = fen_text(average_fen(to_fen(pd.Series([total])), np.array([months])))
    expected = (Decimal(total) / months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert got == str(expected)


def test_amounts_with_one_two_or_no_decimals():
    assert to_fen(pd.Series(["96000", "96000.5", "96000.05", "0.01"])).tolist() == [
        9600000, 9600050, 9600005, 1,
    ]  # fmt: skip


class _Verdict:
    """The part of the pipeline's verdict `derive` uses."""

    def __init__(self, df: pd.DataFrame):
        self.df, self.letters, self.issues = df, LETTERS, []

    def candidates(self) -> pd.Index:
        return self.df.index


def derived(*rows: dict[str, str], ctx: RuleContext = CTX) -> _Verdict:
    df, _ = normalise(frame(*rows), SPEC, LETTERS)
    verdict = _Verdict(df)
    base_declare.add_bases(verdict, ctx)
    return verdict


def test_average_and_base_inside_the_limits():
    v = derived(row(上年度工资总额="100000", 上年度工作月数="12"))
    assert (v.df.at[3, "_average"], v.df.at[3, "_base"], v.df.at[3, "_clamped"]) == (
        "8333.33", "8333.33", False,
    )  # fmt: skip
    assert v.issues == []


def test_a_low_average_is_raised_to_the_floor_with_a_notice_naming_it():
    v = derived(row(上年度工资总额="30000", 上年度工作月数="10", 申报年度="2026"))
    assert (v.df.at[3, "_average"], v.df.at[3, "_base"], bool(v.df.at[3, "_clamped"])) == (
        "3000.00", "5000", True,
    )  # fmt: skip
    (notice,) = v.issues
    assert (notice.row, notice.column, notice.letter, notice.code, notice.severity) == (
        3, "上年度工资总额", "D", "base_below_floor", "warning",
    )  # fmt: skip
    assert "月平均工资 3000.00" in notice.message and "2026 年" in notice.message
    assert "5,000.00" in notice.message and "尚未公布" not in notice.message
    assert notice.message.startswith("月平均工资 3000.00 低于 2026 年缴费基数下限")


def test_unpublished_year_uses_the_latest_and_only_clamped_rows_say_so():
    v = derived(
        row(上年度工资总额="600000"),  # 50,000 a month: above any cap
        row(证件号码=ID_B, 上年度工资总额="96000"),
    )
    assert v.df.at[3, "_base"] == "25000" and v.df.at[4, "_base"] == "8000.00"
    (notice,) = v.issues
    assert notice.row == 3 and notice.code == "base_above_cap"
    assert notice.message == (
        "月平均工资 50000.00 高于 2026 年缴费基数上限 25,000.00"
        "(2027 年的标准尚未公布, 暂按 2026 年的标准), 已按上限 25,000.00 核定。"
    )


def test_without_published_limits_the_average_is_the_base():
    v = derived(row(上年度工资总额="1200"), ctx=RuleContext(today=TODAY))
    assert (v.df.at[3, "_base"], v.issues) == ("100.00", [])


# ------------------------------------------------------------------ against the registry


def _state(*people: tuple, bases: tuple = ()) -> BaseState:
    held = pd.DataFrame(list(bases), columns=BASE_STATE_COLUMNS)
    return BaseState(pd.DataFrame(list(people), columns=PERSON_COLUMNS), held)


def _enrolled(pid: str, employer: int, status: str = "active", name: str = "张伟",
              start: str = "202001") -> tuple:  # fmt: skip
    """A person and where they are active (nowhere once stopped)."""
    if status != "active":
        return (pid, name, None, None, None)
    return (pid, name, employer, start, start)


def judged(state: BaseState, *rows: dict[str, str]) -> RegistryVerdict:
    v = derived(*rows)
    verdict = RegistryVerdict()
    base_declare.judge(Judgement(v.df, state, 1, CTX, LETTERS), verdict)
    return verdict


def codes(verdict: RegistryVerdict) -> set[tuple]:
    return {(e.row, e.column, e.code) for e in verdict.errors}


def test_active_here_is_fine():
    v = judged(_state(_enrolled(ID_A, 1)), row())
    assert (v.errors, v.unchanged) == ([], set())


def test_unknown_stopped_or_elsewhere_is_an_error():
    state = _state(_enrolled(ID_A, 1, status="stopped"), _enrolled(ID_B, 2))
    v = judged(state, row(), row(证件号码=ID_B), row(证件号码=make_id("19700101")))
    assert codes(v) == {(r, "证件号码", "base_not_active_here") for r in (3, 4, 5)}


def test_registered_name_is_required():
    v = judged(_state(_enrolled(ID_A, 1, name="张卫")), row())
    assert codes(v) == {(3, "姓名", "name_mismatch")}


def test_same_figures_for_a_declared_year_are_unchanged():
    state = _state(
        _enrolled(ID_A, 1), bases=((ID_A, 1, "202701", Decimal("8000.00"), Decimal("8000"), 7),)
    )
    v = judged(state, row())
    assert (v.errors, v.unchanged) == ([], {3})
    current = base_declare.still_current(Judgement(derived(row()).df, state, 1, CTX, LETTERS))
    assert current.tolist() == [True]


def test_other_figures_for_a_declared_year_are_an_error_naming_what_is_held():
    held = ((ID_A, 1, "202701", Decimal("8000.00"), Decimal("8000.00"), 7),)
    v = judged(_state(_enrolled(ID_A, 1), bases=held), row(上年度工资总额="108000"))
    assert codes(v) == {(3, "上年度工资总额", "base_already_declared")}
    message = v.errors[0].message
    assert "2027 年度" in message and "8,000.00" in message and "9,000.00" in message
    assert v.unchanged == set()


def test_a_base_held_at_another_employer_or_for_another_year_is_no_conflict():
    held = ((ID_A, 2, "202701", "9000", "9000", 7), (ID_A, 1, "202601", "9000", "9000", 8))
    v = judged(_state(_enrolled(ID_A, 1), bases=held), row())
    assert (v.errors, v.unchanged) == ([], set())


def test_plan_sets_the_base_from_january():
    from importer.apply import Target

    v = derived(row(上年度工资总额="600000"))
    (write,) = base_declare.plan(v.df, Target(1, 9, frozenset()))
    assert write.table == "contribution_bases"
    assert write.rows == [(ID_A, 1, "202701", "50000.00", "25000", True, 9)]


def test_a_person_hired_during_the_year_declares_from_the_next_one():
    hired = _enrolled(ID_A, 1, start="202603")
    v = judged(
        _state(hired),
        row(申报年度="2026"),
    )
    assert codes(v) == {(3, "申报年度", "base_new_hire")}
    assert "2026年3月" in v.errors[0].message
    assert judged(_state(hired), row(申报年度="2027")).errors == []


# ------------------------------------------------------------------ preview and undo


def _in_force(*held: tuple) -> BaseState:
    """State holding, per (year, person, employer, month, wage, base, id), a base in force."""
    frame = pd.DataFrame(list(held), columns=base_declare.IN_FORCE_COLUMNS)
    return BaseState(pd.DataFrame(columns=PERSON_COLUMNS), frame[BASE_STATE_COLUMNS], frame)


def test_current_is_this_employers_base_in_force_for_the_rows_year():
    state = _in_force(
        ("2027", ID_A, 1, "202601", Decimal("6000.00"), Decimal("6000.00"), 4),
        ("2027", ID_B, 2, "202603", Decimal("9000.00"), Decimal("9000.00"), 5),  # elsewhere
        ("2026", ID_B, 1, "202512", 5500, 5500.5, 6),  # SQLite hands back int and float
    )
    rows = derived(row(), row(证件号码=ID_B), row(证件号码=ID_B, 申报年度="2026")).df
    found = base_declare.current(Judgement(rows, state, 1, CTX, LETTERS))
    assert found.to_dict("index") == {
        3: {"基数起始年月": "202601", "月平均工资": "6000.00", "缴费基数": "6000.00"},
        5: {"基数起始年月": "202512", "月平均工资": "5500.00", "缴费基数": "5500.50"},
    }


def test_current_of_a_sheet_nobody_holds_a_base_for_is_empty():
    found = base_declare.current(Judgement(derived(row()).df, _in_force(), 1, CTX, LETTERS))
    assert found.empty and list(found.columns) == list(base_declare.COMPARED)


def test_revert_deletes_the_batchs_base_of_each_rows_year_here():
    from importer.apply import Delete, Target

    rows = derived(row(), row(证件号码=ID_B, 申报年度="2026")).df
    (write,) = base_declare.revert(rows, Target(1, 42, frozenset()))
    assert isinstance(write, Delete) and write.table == "contribution_bases"
    assert tuple(write.key) == ("person_id", "employer_id", "effective_month", "batch_id")
    assert write.rows == [(ID_A, 1, "202701", 42), (ID_B, 1, "202601", 42)]
