"""人员险种增加: every rule of the sheet and of the registry judgement, on small frames."""

from __future__ import annotations

import pytest

from importer.apply import Insert, Target
from importer.kinds.insurance_add import KIND, plan
from tests.unit.kind_support import (
    AWAY,
    CTX,
    TODAY,
    codes,
    enrolment,
    judge,
    make_id,
    sheet,
    validate,
)
from validators.context import RuleContext

pytestmark = pytest.mark.unit

PID = make_id()
ALL_HERE = [enrolment(PID, ins) for ins in ("110", "310", "410")]  # no 失业保险 yet


def row(**cells: str) -> dict[str, str]:
    """A valid row: 张三 adds 失业保险 from 2026-11."""
    return {"姓名": "张三", "证件号码": PID, "险种": "失业保险", "开始年月": "202611", **cells}


# --- the sheet ---------------------------------------------------------------------------


def test_a_valid_row_passes():
    assert validate("insurance_add", row()) == set()


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"险种": ""}, (3, "险种", "required")),
        ({"险种": "生育保险"}, (3, "险种", "not_in_list")),
        ({"开始年月": ""}, (3, "开始年月", "required")),
        ({"开始年月": "2026-13"}, (3, "开始年月", "month_format")),
        ({"开始年月": "202701"}, (3, "开始年月", "month_too_late")),
        ({"开始年月": "202510"}, (3, "开始年月", "month_too_early")),
        ({"姓名": ""}, (3, "姓名", "required")),
        ({"证件号码": PID[:17] + ("0" if PID[17] != "0" else "1")}, (3, "证件号码", "id_checksum")),
    ],
)
def test_each_cell_rule(cells, expected):
    assert validate("insurance_add", row(**cells)) == {expected}


def test_start_month_window_edges():
    assert validate("insurance_add", row(开始年月="202612")) == set()  # next month
    assert validate("insurance_add", row(开始年月="202511")) == set()  # 12 months back


def test_backdating_follows_the_configured_months():
    ctx = RuleContext(today=TODAY, backdate_months=3)
    assert validate("insurance_add", row(开始年月="202608"), ctx=ctx) == set()
    assert validate("insurance_add", row(开始年月="202607"), ctx=ctx) == {
        (3, "开始年月", "month_too_early")
    }


def test_one_row_per_person_and_insurance():
    # Two insurances of one person are two rows; the same insurance twice is a duplicate.
    rows = [row(), row(险种="工伤保险"), row(开始年月="202610")]
    assert validate("insurance_add", *rows) == {
        (3, "险种", "duplicate_insurance_in_sheet"),
        (5, "险种", "duplicate_insurance_in_sheet"),
    }


def test_duplicate_message_names_the_rows_and_the_insurance():
    from tests.unit.kind_support import letters
    from validators.sheet import validate_sheet

    found = validate_sheet(
        KIND.rules, sheet("insurance_add", row(), row()), CTX, letters("insurance_add")
    )
    assert {e.code for e in found} == {"duplicate_insurance_in_sheet"}
    assert "失业保险" in found[0].message and "第 3、4 行" in found[0].message


# --- against the registry -----------------------------------------------------------------


def test_adding_an_insurance_not_held_passes():
    v = judge("insurance_add", [row()], ALL_HERE)
    assert codes(v) == set() and v.unchanged == set()


def test_the_person_must_be_enrolled_and_active_here():
    stranger = judge("insurance_add", [row()], [])
    assert codes(stranger) == {(3, "证件号码", "not_enrolled_here")}
    gone = [enrolment(PID, "110", end="202605", reason="辞职")]
    stopped = judge("insurance_add", [row()], gone)
    assert codes(stopped) == {(3, "证件号码", "not_active_here")}
    assert "2026年5月" in stopped.errors[0].message


def test_the_registered_name():
    v = judge("insurance_add", [row(姓名="李四")], ALL_HERE)
    assert codes(v) == {(3, "姓名", "name_mismatch")}


def test_already_active_here_from_that_month_is_unchanged():
    v = judge("insurance_add", [row(险种="养老保险", 开始年月="202601")], ALL_HERE)
    assert codes(v) == set() and v.unchanged == {3}


def test_already_active_here_from_another_month_is_an_error_naming_it():
    v = judge("insurance_add", [row(险种="养老保险")], ALL_HERE)
    assert codes(v) == {(3, "险种", "insurance_already_active")}
    assert "2026年1月" in v.errors[0].message and "企业职工基本养老保险" in v.errors[0].message


def test_unchanged_with_another_name_is_an_error():
    v = judge("insurance_add", [row(险种="养老保险", 开始年月="202601", 姓名="李四")], ALL_HERE)
    assert codes(v) == {(3, "姓名", "name_mismatch")} and v.unchanged == set()


def test_active_at_another_employer():
    state = [*ALL_HERE, enrolment(PID, "210", employer=AWAY)]
    v = judge("insurance_add", [row()], state)
    assert codes(v) == {(3, "险种", "insurance_active_elsewhere")}
    assert "绍兴另一家纺织有限公司" in v.errors[0].message


def test_start_must_follow_the_last_stop_of_that_insurance_here():
    state = [*ALL_HERE, enrolment(PID, "210", "202601", end="202609", reason="其他")]
    assert codes(judge("insurance_add", [row(开始年月="202609")], state)) == {
        (3, "险种", "insurance_overlaps_history")
    }
    assert codes(judge("insurance_add", [row(开始年月="202610")], state)) == set()


def test_start_not_before_the_persons_enrolment_here():
    v = judge("insurance_add", [row(开始年月="202512")], ALL_HERE)
    assert codes(v) == {(3, "开始年月", "insurance_before_employment")}
    assert "2026年1月" in v.errors[0].message


MAN_1966_07 = make_id("19660710", "171")  # statutory retirement 2026-12


def _older(**cells: str) -> dict[str, str]:
    return row(证件号码=MAN_1966_07, **cells)


OLDER_HERE = [enrolment(MAN_1966_07, "310", birth="1966-07-10")]


@pytest.mark.parametrize("insurance", ["养老保险", "失业保险"])
def test_pension_and_unemployment_refused_from_the_retirement_month(insurance):
    ok = judge("insurance_add", [_older(险种=insurance, 开始年月="202611")], OLDER_HERE)
    assert codes(ok) == set()
    v = judge("insurance_add", [_older(险种=insurance, 开始年月="202612")], OLDER_HERE)
    assert codes(v) == {(3, "险种", "insurance_past_retirement")}
    assert "2026年12月" in v.errors[0].message and insurance[:2] in v.errors[0].message


def test_work_injury_is_allowed_past_retirement():
    v = judge("insurance_add", [_older(险种="工伤保险", 开始年月="202612")], OLDER_HERE)
    assert codes(v) == set()


def test_retirement_uses_the_registered_identity_of_a_woman():
    woman = make_id("19760310", "122")  # worker: 2026-11; cadre: 2032-10
    for identity, expected in (
        ("工人", {(3, "险种", "insurance_past_retirement")}),
        ("干部", set()),
    ):
        state = [enrolment(woman, "310", gender="女", birth="1976-03-10", identity=identity)]
        v = judge("insurance_add", [row(证件号码=woman)], state)
        assert codes(v) == expected, identity


def test_mixed_rows_keep_their_own_verdicts():
    other = make_id("19900101", "135")
    state = [*ALL_HERE, enrolment(other, "110", name="李四")]
    rows = [row(), row(险种="养老保险", 开始年月="202601"), row(证件号码=other, 姓名="李四")]
    v = judge("insurance_add", rows, state)
    assert codes(v) == set() and v.unchanged == {4}


def test_plan_inserts_one_active_enrolment_per_row():
    frame = sheet("insurance_add", row(), row(险种="工伤保险", 开始年月="202612"))
    (write,) = plan(frame, Target(7, 9, frozenset()))
    assert isinstance(write, Insert) and write.table == "enrolments"
    assert [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in write.rows] == [
        (PID, 7, "210", "202611", "active", 9),
        (PID, 7, "410", "202612", "active", 9),
    ]


@pytest.mark.parametrize("kind", ["insurance_add", "insurance_remove"])
def test_cells_are_normalised_before_the_rules(kind):
    # An Excel number in the month column (as the reader gives it), full-width digits,
    # padding around the code.
    from importer.cells import cell_text
    from importer.kinds import get_kind
    from importer.normalise import normalise
    from tests.unit.kind_support import letters

    spec = get_kind(kind).spec
    month = spec.headers[3]
    raw = sheet(
        kind,
        {
            "姓名": " 张三 ",
            "证件号码": PID.lower(),
            "险种": " 失业保险 ",
            month: cell_text(202611.0),
        },
    )
    raw.loc[4] = raw.loc[3]
    raw.loc[4, month] = "２０２６-１１"
    df, _ = normalise(raw, spec, letters(kind))
    assert df["险种"].tolist() == ["失业保险", "失业保险"]
    assert df[month].tolist() == ["202611", "202611"]
    assert df["姓名"].tolist() == ["张三", "张三"]
