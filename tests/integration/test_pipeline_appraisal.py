"""工伤鉴定 through the pipeline and the review hooks, on SQLite and on PostgreSQL: the
approved injury it needs, the category rules against concluded appraisals, re-import,
corrections, conclusion (伤残等级 / 生活自理障碍), rejection and withdrawal."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from importer.kinds.base import DecisionRefused
from importer.report import corrections_workbook
from registry.injuries import injury_history
from tests.integration.injury_support import (
    APPRAISAL_HEADERS,
    APPRAISAL_LETTERS,
    apply_for,
    appraisal_row,
    appraisals,
    approved_injury,
    conclude,
    decide,
    enrol,
    report,
    report_row,
    withdraw,
)
from tests.integration.test_pipeline_support import TODAY_TEXT, Desk, person, second_employer

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("SHEBAO_TODAY", TODAY_TEXT)


def err(row: int, column: str, code: str) -> tuple:
    return (row, column, APPRAISAL_LETTERS[column], code)


def test_mixed_sheet_and_the_injury_it_needs(desk, db_url):
    a, b, c = person(0), person(1), person(2)
    enrol(desk, a, b, c)
    first = approved_injury(desk, a)
    second = approved_injury(desk, b)
    third = approved_injury(desk, b, 事故发生日期="2026-11-01")
    pending_batch, _ = report(desk, [report_row(c)])  # reported, not yet approved: no number
    other = Desk(db_url, second_employer(db_url))
    enrol(other, person(5), month="202601")
    elsewhere = approved_injury(other, person(5))
    rows = [
        appraisal_row(a, first),  # 3 pending review
        appraisal_row(c, third),  # 4 another person's injury
        appraisal_row(person(5), elsewhere),  # 5 another employer's injury
        appraisal_row(b, "GS202612345"),  # 6 no such number
        appraisal_row(b, second.lower(), 鉴定类别="复查鉴定"),  # 7 no conclusion yet
        appraisal_row(b, "GS2026-1", 申请日期="2026-11-30"),  # 8 shape, future
    ]
    batch_id, outcome = apply_for(desk, rows)
    assert outcome.status == {
        3: "pending_review", 4: "rejected", 5: "rejected", 6: "rejected", 7: "rejected",
        8: "rejected",
    }  # fmt: skip
    assert desk.errors(batch_id) == {
        err(4, "证件号码", "injury_other_person"),
        err(5, "工伤认定编号", "injury_unknown"),
        err(6, "工伤认定编号", "injury_unknown"),
        err(7, "鉴定类别", "no_conclusion"),
        err(8, "工伤认定编号", "injury_no_format"),
        err(8, "申请日期", "date_in_future"),
    }
    (pending,) = appraisals(desk)
    declaration = desk.declarations(batch_id)[3]
    assert (pending.injury_no, pending.category, pending.state, pending.declaration_id) == (
        first, "初次鉴定", "pending", declaration.id
    )  # fmt: skip
    assert declaration.natural_key == f"12345678|injury_appraisal|{first}|初次鉴定|2026-11-25"
    assert desk.declarations(pending_batch)[3].status == "pending_review"


def test_conclusion_needs_grade_and_self_care_from_their_lists(desk):
    someone = person(0)
    enrol(desk, someone)
    number = approved_injury(desk, someone)
    batch_id, _ = apply_for(desk, [appraisal_row(someone, number)])
    declaration = desk.declarations(batch_id)[3]
    for grade, care, word in [
        (None, "未达等级", "伤残等级"),
        ("十一级", "未达等级", "伤残等级"),
        ("五级", None, "生活自理障碍"),
        ("五级", "不能自理", "生活自理障碍"),
    ]:
        with pytest.raises(DecisionRefused) as refused:
            decide(desk, declaration, grade=grade, self_care=care)
        assert word in refused.value.message and "未达等级" in refused.value.message
    result = decide(desk, declaration, grade="五级", self_care="生活部分不能自理")
    assert result == {"grade": "五级", "self_care": "生活部分不能自理", "concluded_at": TODAY_TEXT}
    (done,) = appraisals(desk)
    assert (done.state, done.grade, done.self_care, done.concluded_at.isoformat()) == (
        "concluded", "五级", "生活部分不能自理", TODAY_TEXT
    )  # fmt: skip
    with pytest.raises(DecisionRefused):
        decide(desk, declaration, grade="五级", self_care="生活部分不能自理")
    with desk.uow() as uow:
        (history,) = injury_history(uow.session, someone.id_number)
    assert [(a["category"], a["grade"]) for a in history["appraisals"]] == [("初次鉴定", "五级")]


def test_initial_once_review_after_a_year_reappraisal_within_fifteen_days(desk):
    someone = person(0)
    enrol(desk, someone, month="202511")
    number = approved_injury(desk, someone, 事故发生日期="2025-11-10")
    first, _ = apply_for(desk, [appraisal_row(someone, number, 申请日期="2025-11-20")])
    conclude(desk, first, on="2025-11-28")
    rows = [appraisal_row(someone, number, 申请日期="2026-11-01")]
    batch_id, outcome = apply_for(desk, rows)
    assert desk.errors(batch_id) == {err(3, "鉴定类别", "first_appraisal_exists")}
    (issue,) = desk.issues(batch_id)
    assert "2025-11-20" in issue.message and "八级" in issue.message

    review = appraisal_row(someone, number, 鉴定类别="复查鉴定", 申请日期="2026-11-27")
    batch_id, outcome = apply_for(desk, [review])
    assert desk.errors(batch_id) == {err(3, "申请日期", "review_too_early")}
    assert "2026-11-28" in desk.issues(batch_id)[0].message
    again = appraisal_row(someone, number, 鉴定类别="再次鉴定", 申请日期="2025-12-14")
    batch_id, _ = apply_for(desk, [again])
    assert desk.errors(batch_id) == {err(3, "申请日期", "reappraisal_too_late")}
    assert "2025-12-13" in desk.issues(batch_id)[0].message

    review = appraisal_row(someone, number, 鉴定类别="复查鉴定", 申请日期="2026-11-28")
    batch_id, outcome = apply_for(desk, [review])
    assert outcome.status == {3: "pending_review"}
    # While it is pending nothing else may be filed; the same row again is unchanged.
    batch_id, outcome = apply_for(desk, [review])
    assert outcome.status == {3: "unchanged"}
    other = appraisal_row(someone, number, 鉴定类别="复查鉴定", 申请日期="2026-11-29")
    batch_id, _ = apply_for(desk, [other])
    assert desk.errors(batch_id) == {err(3, "鉴定类别", "appraisal_pending")}


def test_reappraisal_on_the_fifteenth_day_and_a_rejected_application(desk):
    someone = person(0)
    enrol(desk, someone)
    number = approved_injury(desk, someone, 事故发生日期="2026-10-01")
    first, _ = apply_for(desk, [appraisal_row(someone, number, 申请日期="2026-10-20")])
    conclude(desk, first, on="2026-11-10")
    again = appraisal_row(someone, number, 鉴定类别="再次鉴定", 申请日期="2026-11-25")
    batch_id, outcome = apply_for(desk, [again])
    assert outcome.status == {3: "pending_review"}
    declaration = desk.declarations(batch_id)[3]
    assert decide(desk, declaration, approve=False, reason="材料不全") == {"state": "rejected"}
    # A rejected application is no conclusion: filing it again (same day) is a new one.
    batch_id, outcome = apply_for(desk, [again])
    assert outcome.status == {3: "pending_review"}
    assert [a.state for a in appraisals(desk)] == ["concluded", "rejected", "pending"]


@pytest.mark.parametrize("call_hook", [True, False])
def test_withdrawn_application_does_not_block_a_new_one(desk, call_hook):
    someone = person(0)
    enrol(desk, someone)
    number = approved_injury(desk, someone)
    batch_id, _ = apply_for(desk, [appraisal_row(someone, number)])
    withdraw(desk, desk.declarations(batch_id)[3], call_hook=call_hook)
    assert len(appraisals(desk)) == (0 if call_hook else 1)
    later = appraisal_row(someone, number, 申请日期="2026-11-28")
    _, outcome = apply_for(desk, [later])
    assert outcome.status == {3: "pending_review"}


def test_reimport_and_corrections_round_trip(desk):
    a, b = person(0), person(1)
    enrol(desk, a, b)
    first, second = approved_injury(desk, a), approved_injury(desk, b)
    good = [appraisal_row(a, first)]
    apply_for(desk, good)
    _, outcome = apply_for(desk, good)
    assert outcome.status == {3: "unchanged"}

    batch_id, outcome = apply_for(desk, [appraisal_row(b, second, 鉴定类别="初鉴")])
    assert outcome.status == {3: "rejected"}
    wb = load_workbook(io.BytesIO(corrections_workbook(desk.uow(), batch_id)))
    ws = wb.worksheets[0]
    assert [ws.cell(2, c).value for c in range(1, len(APPRAISAL_HEADERS) + 1)] == APPRAISAL_HEADERS
    ws.cell(3, APPRAISAL_HEADERS.index("鉴定类别") + 1).value = "初次鉴定"
    buf = io.BytesIO()
    wb.save(buf)
    again, outcome = desk.submit(buf.getvalue(), "更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "pending_review"}, desk.errors(again)
    assert len(appraisals(desk)) == 2
