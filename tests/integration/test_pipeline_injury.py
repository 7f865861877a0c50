"""工伤事故申报 through the pipeline and the review hooks, on SQLite and on PostgreSQL:
mixed sheets, re-import, corrections, approval (认定编号), rejection, withdrawal, and the
reviewer's history view."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from importer.kinds import get_kind
from importer.kinds.base import DecisionRefused
from importer.kinds.injury_review import earlier_injuries
from importer.report import corrections_workbook, error_report
from registry.injuries import injury_history
from tests.builders import xlsx_bytes
from tests.integration.injury_support import (
    REPORT_HEADERS,
    REPORT_LETTERS,
    decide,
    enrol,
    injuries,
    report,
    report_row,
    withdraw,
)
from tests.integration.test_pipeline_support import TODAY_TEXT, Desk, person

pytestmark = pytest.mark.integration
KIND = get_kind("injury_report")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Decisions are dated (and numbered by year) by the same fixed today as uploads."""
    monkeypatch.setenv("SHEBAO_TODAY", TODAY_TEXT)


def err(row: int, column: str, code: str) -> tuple:
    return (row, column, REPORT_LETTERS[column], code)


def test_mixed_sheet_valid_rows_go_to_review_with_a_pending_injury(desk):
    a, b, c, d = person(0), person(1), person(2), person(3)
    enrol(desk, a, b, c)
    enrol(desk, d, 工伤保险="否")
    rows = [
        report_row(a),  # 3 pending review
        report_row(b, 事故经过="手被夹伤"),  # 4 too short
        report_row(c, 事故发生日期="2026-12-01"),  # 5 in the future
        report_row(d),  # 6 no 工伤保险
        report_row(person(9)),  # 7 unknown person: not insured here
        report_row(c, 事故发生日期="2026-10-29", 事故类别="上下班交通事故"),  # 8 late: warning
        report_row(a, 事故发生日期="2026-11-21", 事故类别="交通"),  # 9 not in list
    ]
    batch_id, outcome = report(desk, rows)
    assert outcome.status == {
        3: "pending_review", 4: "rejected", 5: "rejected", 6: "rejected", 7: "rejected",
        8: "pending_review", 9: "rejected",
    }  # fmt: skip
    assert desk.errors(batch_id) == {
        err(4, "事故经过", "too_short"),
        err(5, "事故发生日期", "date_in_future"),
        err(6, "事故发生日期", "injury_not_insured"),
        err(7, "事故发生日期", "injury_not_insured"),
        err(9, "事故类别", "not_in_list"),
    }
    assert desk.warnings(batch_id) == {err(8, "事故发生日期", "injury_reported_late")}
    batch = desk.batch(batch_id)
    assert (batch.kind, batch.pending_review, batch.rejected, batch.applied) == (
        "injury_report", 2, 5, 0
    )  # fmt: skip
    declarations = desk.declarations(batch_id)
    assert declarations[3].status == "pending_review"
    assert declarations[3].natural_key == f"12345678|injury_report|{a.id_number}|2026-11-20"
    found = injuries(desk)
    assert [(i.person_id, i.state, i.injury_no) for i in found] == [
        (a.id_number, "pending", None),
        (c.id_number, "pending", None),
    ]
    assert {i.declaration_id for i in found} == {declarations[3].id, declarations[8].id}
    first = found[0]
    assert (first.employer_id, first.accident_date.isoformat(), first.category) == (
        desk.employer_id, "2026-11-20", "工作时间工作场所事故"
    )  # fmt: skip
    assert (first.body_part, first.hospital, first.phone, first.note) == (
        "左手食指", "上虞区人民医院", "13812345678", None
    )  # fmt: skip
    (late,) = [i for i in desk.issues(batch_id) if i.code == "injury_reported_late"]
    assert "31 天" in late.message and "第十七条" in late.message


def test_stopped_insurance_covers_up_to_its_last_month(desk):
    someone = person(0)
    enrol(desk, someone, month="202512")
    _, outcome = desk.submit(
        xlsx_bytes("person_remove", [someone.remove(停保年月="202609")]), "人员减少.xlsx"
    )
    assert outcome.status == {3: "applied"}
    rows = [
        report_row(someone, 事故发生日期="2026-09-30"),
        report_row(someone, 事故发生日期="2026-10-01"),
    ]
    batch_id, outcome = report(desk, rows)
    assert outcome.status == {3: "pending_review", 4: "rejected"}
    (issue,) = [i for i in desk.issues(batch_id) if i.severity == "error"]
    assert "2026年10月" in issue.message and "2025年12月至2026年9月" in issue.message


def test_reimport_is_unchanged_before_and_after_the_decision(desk, db_url):
    a, b = person(0), person(1)
    enrol(desk, a, b)
    sheet = [report_row(a), report_row(b)]
    first, _ = report(desk, sheet)
    again, outcome = report(desk, sheet)
    assert outcome.status == {3: "unchanged", 4: "unchanged"}
    assert desk.errors(again) == set() and len(injuries(desk)) == 2
    # Approved (the desk moved the declaration on): still unchanged, found in injuries.
    decide(desk, desk.declarations(first)[3], outcome="视同工伤")
    _, outcome = report(desk, sheet)
    assert outcome.status == {3: "unchanged", 4: "unchanged"}
    assert len(injuries(desk)) == 2
    # The approved accident reported again with other cells contradicts the registry.
    changed, outcome = report(desk, [report_row(a, 受伤部位="右手")])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(changed) == {err(3, "事故发生日期", "injury_already_decided")}
    (issue,) = desk.issues(changed)
    assert "GS202600001" in issue.message and "视同工伤" in issue.message


def test_approval_gives_the_next_number_and_refuses_bad_decisions(desk):
    a, b = person(0), person(1)
    enrol(desk, a, b)
    batch_id, _ = report(desk, [report_row(a), report_row(b)])
    declarations = desk.declarations(batch_id)
    for outcome in (None, "不予认定", "工伤"):
        with pytest.raises(DecisionRefused) as refused:
            decide(desk, declarations[3], outcome=outcome)
        assert "认定工伤" in refused.value.message and "视同工伤" in refused.value.message
    assert decide(desk, declarations[3], outcome="认定工伤") == {
        "injury_no": "GS202600001", "outcome": "认定工伤"
    }  # fmt: skip
    assert decide(desk, declarations[4], outcome="视同工伤")["injury_no"] == "GS202600002"
    with pytest.raises(DecisionRefused) as refused:
        decide(desk, declarations[3], outcome="认定工伤")
    assert "没有待审核的记录" in refused.value.message
    approved = {i.person_id: i for i in injuries(desk)}
    assert (approved[a.id_number].state, approved[a.id_number].reviewer) == (
        "approved",
        "reviewer01",
    )
    assert approved[b.id_number].outcome == "视同工伤" and approved[b.id_number].decided_at


def test_rejection_records_not_recognised_and_the_accident_can_be_reported_again(desk):
    someone = person(0)
    enrol(desk, someone)
    first, _ = report(desk, [report_row(someone)])
    declaration = desk.declarations(first)[3]
    with pytest.raises(DecisionRefused):
        decide(desk, declaration, approve=False, outcome="认定工伤")
    assert decide(desk, declaration, approve=False, reason="证据不足") == {"outcome": "不予认定"}
    (rejected,) = injuries(desk)
    assert (rejected.state, rejected.outcome, rejected.injury_no, rejected.reason) == (
        "rejected", "不予认定", None, "证据不足"
    )  # fmt: skip
    again, outcome = report(
        desk, [report_row(someone, 事故经过="补充材料: " + "在车间更换模具时左手食指被夹伤。")]
    )
    assert outcome.status == {3: "pending_review"}
    assert [i.state for i in injuries(desk)] == ["rejected", "pending"]
    history = earlier_injuries_of(desk, again)
    assert [(h["state"], h["outcome"]) for h in history] == [("rejected", "不予认定")]


def earlier_injuries_of(desk: Desk, batch_id: int) -> list[dict]:
    with desk.uow() as uow:
        return earlier_injuries(uow.session, desk.declarations(batch_id)[3])


@pytest.mark.parametrize("call_hook", [True, False])
def test_withdrawn_report_leaves_nothing_blocking(desk, call_hook):
    someone = person(0)
    enrol(desk, someone)
    first, _ = report(desk, [report_row(someone)])
    withdraw(desk, desk.declarations(first)[3], call_hook=call_hook)
    assert len(injuries(desk)) == (0 if call_hook else 1)
    again, outcome = report(desk, [report_row(someone)])
    assert outcome.status == {3: "pending_review"}
    # The new report is the only live one: a pending injury of a withdrawn declaration
    # (when the desk skipped the hook) is not history either.
    with desk.uow() as uow:
        history = injury_history(uow.session, someone.id_number)
    assert [h["state"] for h in history] == ["pending"]
    decide(desk, desk.declarations(again)[3], outcome="认定工伤")


def test_corrections_round_trip(desk):
    a, b = person(0), person(1)
    enrol(desk, a, b)
    batch_id, outcome = report(
        desk, [report_row(a, 事故经过="夹伤了"), report_row(b, 就诊医疗机构="")]
    )
    assert outcome.status == {3: "rejected", 4: "rejected"}
    wb = load_workbook(io.BytesIO(corrections_workbook(desk.uow(), batch_id)))
    ws = wb.worksheets[0]
    assert ws.title == "工伤事故申报"
    assert [ws.cell(2, c).value for c in range(1, len(REPORT_HEADERS) + 1)] == REPORT_HEADERS
    ws.cell(
        3, REPORT_HEADERS.index("事故经过") + 1
    ).value = "在车间更换模具时左手食指被模具夹伤, 当即送医。"
    ws.cell(4, REPORT_HEADERS.index("就诊医疗机构") + 1).value = "上虞区中医医院"
    buf = io.BytesIO()
    wb.save(buf)
    again, outcome = desk.submit(buf.getvalue(), "更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "pending_review", 4: "pending_review"}, desk.errors(again)
    assert {i.hospital for i in injuries(desk)} == {"上虞区人民医院", "上虞区中医医院"}
    _, outcome = desk.submit(buf.getvalue(), "更正.xlsx", resubmit_of=batch_id)
    assert set(outcome.status.values()) == {"unchanged"}
    # The error report of the first upload names the cells.
    ws = load_workbook(io.BytesIO(error_report(desk.uow(), batch_id)))["错误报告"]
    assert ws.max_row >= 3


def test_history_lists_the_persons_injuries_at_every_employer(desk, db_url):
    from tests.integration.test_pipeline_support import second_employer

    someone = person(0)
    enrol(desk, someone, 养老保险="否", 医疗保险="否", 失业保险="否")
    other = Desk(db_url, second_employer(db_url))
    enrol(other, someone, 工伤保险="否")
    # 单项参加工伤保险 here only; the other employer cannot report it (no 工伤保险 there).
    batch_id, outcome = report(other, [report_row(someone)])
    assert outcome.status == {3: "rejected"}
    first, _ = report(desk, [report_row(someone, 事故发生日期="2026-03-02")])
    number = decide(desk, desk.declarations(first)[3], outcome="认定工伤")["injury_no"]
    second, _ = report(desk, [report_row(someone)])
    history = earlier_injuries_of(desk, second)
    assert [(h["injury_no"], h["employer"], h["accident_date"].isoformat()) for h in history] == [
        (number, "上虞示例制造有限公司", "2026-03-02")
    ]
    with desk.uow() as uow:
        assert injury_history(uow.session, someone.id_number, employer_id=other.employer_id) == []


def test_the_review_desk_numbers_an_approved_injury_and_records_a_rejection(desk):
    """Through importer.review (what the web, API and CLI call), not the hooks alone."""
    from importer.kinds.base import Decision
    from importer.review import ReviewError
    from importer.review import decide as desk_decide
    from importer.review import withdraw as desk_withdraw

    a, b, c = person(0), person(1), person(2)
    enrol(desk, a, b, c)
    batch_id, _ = report(desk, [report_row(a), report_row(b), report_row(c)])
    rows = desk.declarations(batch_id)
    with pytest.raises(ReviewError) as refused:
        desk_decide(desk.uow(), rows[3].id, Decision(True, "reviewer01"))  # no outcome
    assert "认定工伤" in refused.value.message
    approved = desk_decide(desk.uow(), rows[3].id, Decision(True, "reviewer01", outcome="认定工伤"))
    assert approved["injury_no"] == "GS202600001"
    desk_decide(desk.uow(), rows[4].id, Decision(False, "reviewer01", reason="非因工受伤"))
    desk_withdraw(desk.uow(), rows[5].id, desk.employer_id, "clerk")
    states = {i.person_id: (i.state, i.outcome) for i in injuries(desk)}
    assert states == {a.id_number: ("approved", "认定工伤"), b.id_number: ("rejected", "不予认定")}
    batch = desk.batch(batch_id)
    assert (batch.applied, batch.rejected, batch.pending_review) == (1, 1, 0)
    assert "非因工受伤" in " ".join(i.message for i in desk.issues(batch_id) if i.excel_row == 4)


def test_the_late_report_limit_is_the_operators_policy_setting(desk, db_url):
    from registry import policy
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        policy.set_setting(uow.session, "injury_report_days", "60")
        uow.commit()
    someone = person(0)
    enrol(desk, someone, month="202601")
    # Today 2026-11-29: 2026-09-30 is 60 days back (within), 2026-09-29 is 61.
    rows = [
        report_row(someone, 事故发生日期="2026-09-30"),
        report_row(someone, 事故发生日期="2026-09-29"),
    ]
    batch_id, outcome = report(desk, rows)
    assert outcome.status == {3: "pending_review", 4: "pending_review"}
    assert desk.warnings(batch_id) == {err(4, "事故发生日期", "injury_reported_late")}
    (late,) = [i for i in desk.issues(batch_id) if i.code == "injury_reported_late"]
    assert "已过 61 天, 超过了 60 天的申报时限" in late.message
