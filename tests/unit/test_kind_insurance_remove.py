"""人员险种减少: every rule of the sheet and of the registry judgement, on small frames."""

from __future__ import annotations

import pytest

from importer.apply import Target, Update
from importer.kinds.insurance_remove import plan
from tests.unit.kind_support import AWAY, codes, enrolment, judge, make_id, sheet, validate

pytestmark = pytest.mark.unit

PID = make_id()
ALL_HERE = [enrolment(PID, ins) for ins in ("110", "210", "310", "410")]


def row(**cells: str) -> dict[str, str]:
    """A valid row: 张三 stops 失业保险 from 2026-11 (达到退休年龄)."""
    base = {"姓名": "张三", "证件号码": PID, "险种": "失业保险", "停止年月": "202611",
            "减少原因": "达到退休年龄"}  # fmt: skip
    return {**base, **cells}


def test_a_valid_row_passes():
    assert validate("insurance_remove", row()) == set()


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"险种": "大病保险"}, (3, "险种", "not_in_list")),
        ({"停止年月": ""}, (3, "停止年月", "required")),
        ({"停止年月": "202701"}, (3, "停止年月", "month_too_late")),
        ({"减少原因": ""}, (3, "减少原因", "required")),
        ({"减少原因": "辞职"}, (3, "减少原因", "not_in_list")),
    ],
)
def test_each_cell_rule(cells, expected):
    assert validate("insurance_remove", row(**cells)) == {expected}


def test_an_old_stop_month_is_no_sheet_error():
    # Only "not before the insurance's start" limits it, judged against the registry.
    assert validate("insurance_remove", row(停止年月="202001")) == set()


def test_one_row_per_person_and_insurance():
    rows = [row(), row(险种="工伤保险"), row(停止年月="202610")]
    assert validate("insurance_remove", *rows) == {
        (3, "险种", "duplicate_insurance_in_sheet"),
        (5, "险种", "duplicate_insurance_in_sheet"),
    }


def test_stopping_an_active_insurance_passes():
    v = judge("insurance_remove", [row()], ALL_HERE)
    assert codes(v) == set() and v.unchanged == set()


def test_unknown_here_and_name():
    assert codes(judge("insurance_remove", [row()], [])) == {(3, "证件号码", "not_enrolled_here")}
    elsewhere = [enrolment(PID, "210", employer=AWAY)]
    assert codes(judge("insurance_remove", [row()], elsewhere)) == {
        (3, "证件号码", "not_enrolled_here")
    }
    assert codes(judge("insurance_remove", [row(姓名="李四")], ALL_HERE)) == {
        (3, "姓名", "name_mismatch")
    }


def test_an_insurance_never_held_here():
    state = [enrolment(PID, "110"), enrolment(PID, "310")]
    v = judge("insurance_remove", [row()], state)
    assert codes(v) == {(3, "险种", "insurance_not_held_here")}
    assert "失业保险" in v.errors[0].message


def test_stopped_in_that_month_is_unchanged_in_another_an_error():
    state = [enrolment(PID, "110"), enrolment(PID, "210", end="202610", reason="重复参保")]
    same = judge("insurance_remove", [row(停止年月="202610")], state)
    assert codes(same) == set() and same.unchanged == {3}
    other = judge("insurance_remove", [row()], state)
    assert codes(other) == {(3, "停止年月", "insurance_already_stopped")}
    assert "2026年10月" in other.errors[0].message and "重复参保" in other.errors[0].message


def test_stop_not_before_that_insurances_start():
    state = [enrolment(PID, "110", "202601"), enrolment(PID, "210", "202608")]
    v = judge("insurance_remove", [row(停止年月="202607")], state)
    assert codes(v) == {(3, "停止年月", "insurance_stop_before_start")}
    assert "2026年8月" in v.errors[0].message
    assert codes(judge("insurance_remove", [row(停止年月="202608")], state)) == set()


def test_the_other_insurances_do_not_matter():
    # 养老保险 started later than the stop month: only 失业保险's own start counts.
    state = [enrolment(PID, "110", "202611"), enrolment(PID, "210", "202601")]
    assert codes(judge("insurance_remove", [row(停止年月="202605")], state)) == set()


def test_plan_stops_only_that_insurance():
    frame = sheet("insurance_remove", row(), row(险种="工伤保险", 减少原因="其他"))
    (write,) = plan(frame, Target(7, 9, frozenset()))
    assert isinstance(write, Update) and "insurance = ?" in write.sql_sqlite
    assert write.rows == [
        ("202611", "达到退休年龄", PID, 7, "210"),
        ("202611", "其他", PID, 7, "410"),
    ]


def test_stopping_the_last_insurance_here_is_a_warning():
    state = [enrolment(PID, "210"), enrolment(PID, "410")]
    one = judge("insurance_remove", [row()], state)
    assert codes(one) == set() and one.warnings == []
    both = judge("insurance_remove", [row(), row(险种="工伤保险")], state)
    assert codes(both) == set()
    assert [(w.row, w.code, w.severity) for w in both.warnings] == [
        (3, "insurance_last_one", "warning"),
        (4, "insurance_last_one", "warning"),
    ]
    assert "人员减少" in both.warnings[0].message
    alone = judge("insurance_remove", [row()], [enrolment(PID, "210")])
    assert [w.code for w in alone.warnings] == ["insurance_last_one"]
