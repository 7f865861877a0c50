"""Preview hooks of 工伤事故申报 and 工伤鉴定, on SQLite and PostgreSQL: `current` gives
the report or the appraisal the registry holds for a row (absent when there is none).
Every row of both kinds goes to review, so neither has a `revert` (undo withdraws the
pending declarations and keeps the decided ones)."""

from __future__ import annotations

import pytest

from importer.kinds import get_kind
from tests.builders import xlsx_bytes
from tests.integration.injury_support import (
    STORY,
    apply_for,
    appraisal_row,
    approved_injury,
    conclude,
    decide,
    enrol,
    report,
    report_row,
)
from tests.integration.judged_support import as_dicts, current, judged
from tests.integration.test_pipeline_support import Desk, person, second_employer

pytestmark = pytest.mark.integration

REPORTED = {
    "事故发生地点": "本单位二号车间", "事故类别": "工作时间工作场所事故", "受伤部位": "左手食指",
    "事故经过": STORY, "就诊医疗机构": "上虞区人民医院", "联系电话": "",
}  # fmt: skip


@pytest.mark.parametrize("kind", ["injury_report", "injury_appraisal"])
def test_reviewed_kinds_compare_but_revert_nothing(kind):
    found = get_kind(kind)
    assert found.current is not None and found.compared_columns
    assert found.revert is None


def test_a_reported_accident_shows_what_its_report_said(desk):
    a, b, c = person(0), person(1), person(2)
    enrol(desk, a, b, c)
    batch_id, outcome = report(desk, [report_row(a, 联系电话=""), report_row(b)])
    assert outcome.status == {3: "pending_review", 4: "pending_review"}
    decide(
        desk, desk.declarations(batch_id)[4], approve=False, outcome="不予认定", reason="非工作原因"
    )
    data = xlsx_bytes(
        "injury_report",
        [
            report_row(a, 受伤部位="左手中指", 联系电话="13900001111"),  # the same accident
            report_row(a, 事故发生日期="2026-11-21"),  # another day: another accident
            report_row(b),  # reported before but not recognised: reported anew
            report_row(c),  # never reported
        ],
    )
    found = current(desk, "injury_report", data)
    assert list(found.columns) == list(get_kind("injury_report").compared_columns)
    assert as_dicts(found) == {3: REPORTED}


def test_an_approved_report_stands_too(desk):
    a = person(0)
    enrol(desk, a)
    approved_injury(desk, a)
    found = as_dicts(current(desk, "injury_report", xlsx_bytes("injury_report", [report_row(a)])))
    assert found == {3: {**REPORTED, "联系电话": "13812345678"}}
    # The same report again: every compared cell equal (the preview's 无变化).
    rows = judged(desk, "injury_report", xlsx_bytes("injury_report", [report_row(a)])).rows
    assert rows.loc[3, list(found[3])].to_dict() == found[3]


def test_an_appraisal_shows_the_injurys_standing_application_and_its_grade(desk, db_url):
    a, b, c, d, e = person(0), person(1), person(2), person(3), person(4)
    enrol(desk, a, b, c, e)
    away = Desk(db_url, second_employer(db_url))
    enrol(away, d)
    elsewhere = approved_injury(away, d)
    _, outcome = apply_for(away, [appraisal_row(d, elsewhere)])
    assert outcome.status == {3: "pending_review"}
    first = approved_injury(desk, a, 事故发生日期="2026-02-01")
    pending = approved_injury(desk, b, 事故发生日期="2026-02-02")
    never = approved_injury(desk, c, 事故发生日期="2026-02-03")
    theirs = approved_injury(desk, e, 事故发生日期="2026-02-04")
    _, outcome = apply_for(desk, [appraisal_row(e, theirs)])
    assert outcome.status == {3: "pending_review"}
    concluded_batch, outcome = apply_for(desk, [appraisal_row(a, first, 申请日期="2026-03-01")])
    assert outcome.status == {3: "pending_review"}
    conclude(desk, concluded_batch, on="2026-11-15", grade="八级")
    _, outcome = apply_for(desk, [appraisal_row(b, pending, 申请日期="2026-11-25")])
    assert outcome.status == {3: "pending_review"}
    data = xlsx_bytes(
        "injury_appraisal",
        [
            appraisal_row(a, first, 鉴定类别="再次鉴定", 申请日期="2026-11-20"),
            appraisal_row(b, pending),  # the pending application again
            appraisal_row(c, never),
            appraisal_row(b, theirs),  # another person's injury
            appraisal_row(d, elsewhere),  # another employer's: not this one's to see
        ],
    )
    judgement = judged(desk, "injury_appraisal", data)
    assert list(judgement.rows.index) == [3, 4, 5, 6, 7]
    hook = get_kind("injury_appraisal").current
    assert hook is not None
    found = as_dicts(hook(judgement))
    assert found == {
        3: {"鉴定类别": "初次鉴定", "申请日期": "2026-03-01", "伤残等级": "八级",
            "生活自理障碍": "未达等级"},
        4: {"鉴定类别": "初次鉴定", "申请日期": "2026-11-25", "伤残等级": "",
            "生活自理障碍": ""},
    }  # fmt: skip
    compared = list(get_kind("injury_appraisal").compared_columns)
    rows = judgement.rows[compared]
    # The row states no conclusion (the reviewer gives it): 八级 → "" for the 再次鉴定,
    # and the pending application sent again compares equal throughout.
    assert rows.loc[3].to_dict() == {"鉴定类别": "再次鉴定", "申请日期": "2026-11-20",
                                     "伤残等级": "", "生活自理障碍": ""}  # fmt: skip
    assert rows.loc[4].to_dict() == found[4]
