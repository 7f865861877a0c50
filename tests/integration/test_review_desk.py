"""The review desk on the pipeline, on SQLite and PostgreSQL: 单位基本信息变更 goes to
review; approval changes the employer and keeps its history; a rejection comes back as a
row error (batch counts, issue list, error report, corrections) and a corrected sheet
can be declared again; withdrawing releases the key; decisions are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from importer.kinds.base import Decision
from importer.report import corrections_workbook, error_report
from importer.review import ReviewError, decide, withdraw
from registry.employer_info import employer_fields, employer_history
from registry.models import AuditEntry, BatchReport, Employer
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import Desk, open_xlsx, second_employer

pytestmark = pytest.mark.integration

CODE = "91330604MA2JT1XX0X"
HEADERS = ["单位名称", "统一社会信用代码", "法定代表人", "单位地址", "联系人", "联系电话",
           "开户银行", "银行账号", "行业风险类别"]  # fmt: skip
REVIEWER = Decision(approve=True, reviewer="reviewer01")


def change(**cells: str) -> list[str]:
    return [cells.get(h, "") for h in HEADERS]


def submit(desk: Desk, *rows: list[str], **kw):
    return desk.submit(xlsx_bytes("employer_change", rows), file_name="单位信息变更.xlsx", **kw)


def employer(desk: Desk) -> dict[str, str]:
    with desk.uow() as uow:
        return employer_fields(uow.session.get(Employer, desk.employer_id))


def test_change_waits_for_review_then_applies_with_history(desk):
    batch_id, outcome = submit(desk, change(联系电话="13812345678", 行业风险类别="3"))
    assert outcome.status == {3: "pending_review"}
    assert desk.batch(batch_id).pending_review == 1
    assert employer(desk)["联系电话"] == ""  # nothing applied before the review
    decl = desk.declarations(batch_id)[3]
    assert decl.id_number is None and decl.status == "pending_review"

    result = decide(desk.uow(), decl.id, REVIEWER)
    assert result == {"changed": ["联系电话", "行业风险类别"]}
    assert employer(desk)["联系电话"] == "13812345678"
    assert employer(desk)["行业风险类别"] == "3"
    batch = desk.batch(batch_id)
    assert (batch.applied, batch.pending_review, batch.rejected) == (1, 0, 0)
    with desk.uow() as uow:
        (entry,) = employer_history(uow.session, desk.employer_id)
        actions = uow.session.scalars(select(AuditEntry.action)).all()
    assert entry["changes"] == [
        {"field": "联系电话", "old": "", "new": "13812345678"},
        {"field": "行业风险类别", "old": "1", "new": "3"},
    ]
    assert "declaration_approved" in actions

    # The same sheet again is the same declaration: unchanged, nothing new to review.
    again, outcome = submit(desk, change(联系电话="13812345678", 行业风险类别="3"))
    assert outcome.status == {3: "unchanged"}


def test_valid_and_invalid_rows_mixed(desk):
    batch_id, outcome = submit(
        desk, change(统一社会信用代码="91330604MA2JT1XX01"), change(联系人="李红")
    )
    assert outcome.status == {3: "rejected", 4: "rejected"}
    assert desk.errors(batch_id) == {
        (3, "统一社会信用代码", "B", "credit_code_checksum"),
        (4, "单位名称", "A", "one_change_per_sheet"),
    }
    _, outcome = submit(desk, change(统一社会信用代码=CODE, 银行账号="1211020109000123456"))
    assert outcome.status == {3: "pending_review"}


def test_a_credit_code_of_another_employer_is_refused(desk, db_url):
    other = Desk(db_url, second_employer(db_url))
    first, _ = submit(other, change(统一社会信用代码=CODE))
    decide(other.uow(), other.declarations(first)[3].id, REVIEWER)
    batch_id, outcome = submit(desk, change(统一社会信用代码=CODE.lower()))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {(3, "统一社会信用代码", "B", "credit_code_taken")}


def test_approval_refused_when_the_code_was_taken_meanwhile(desk, db_url):
    batch_id, _ = submit(desk, change(统一社会信用代码=CODE))
    other = Desk(db_url, second_employer(db_url))
    first, _ = submit(other, change(统一社会信用代码=CODE))
    decide(other.uow(), other.declarations(first)[3].id, REVIEWER)
    with pytest.raises(ReviewError) as refused:
        decide(desk.uow(), desk.declarations(batch_id)[3].id, REVIEWER)
    assert refused.value.code == "decision_refused" and "已被其他单位" in refused.value.message
    assert desk.declarations(batch_id)[3].status == "pending_review"
    assert employer(desk)["统一社会信用代码"] == ""


def test_rejection_comes_back_like_a_validation_error_and_can_be_resubmitted(desk):
    batch_id, _ = submit(desk, change(单位名称="上虞新名称有限公司", 联系人="李红"))
    error_report(desk.uow(), batch_id)  # stored before the decision
    decl = desk.declarations(batch_id)[3]
    with pytest.raises(ReviewError) as no_reason:
        decide(desk.uow(), decl.id, Decision(approve=False, reviewer="reviewer01"))
    assert no_reason.value.code == "reason_required"
    reason = "单位名称与营业执照不一致"
    decide(desk.uow(), decl.id, Decision(approve=False, reviewer="reviewer01", reason=reason))

    batch = desk.batch(batch_id)
    assert (batch.rejected, batch.pending_review, batch.applied) == (1, 0, 0)
    (issue,) = desk.issues(batch_id)
    assert (issue.excel_row, issue.code, issue.severity) == (3, "review_rejected", "error")
    assert reason in issue.message
    assert reason in desk.declarations(batch_id)[3].errors[-1]["message"]
    with desk.uow() as uow:
        assert (
            uow.session.scalar(select(BatchReport).where(BatchReport.batch_id == batch_id)) is None
        )
    report = open_xlsx(error_report(desk.uow(), batch_id)).worksheets[0]
    assert reason in str(report.cell(3, len(HEADERS) + 1).value)
    fixes = open_xlsx(corrections_workbook(desk.uow(), batch_id)).worksheets[0]
    assert fixes.cell(3, 1).value == "上虞新名称有限公司"
    assert reason in str(fixes.cell(3, len(HEADERS) + 1).value)
    # Decided once only.
    with pytest.raises(ReviewError) as twice:
        decide(desk.uow(), decl.id, REVIEWER)
    assert twice.value.status == 409

    # The same row again releases nothing twice: it is a new declaration to review.
    again, outcome = submit(desk, change(单位名称="上虞新名称有限公司", 联系人="李红"),
                            resubmit_of=batch_id)  # fmt: skip
    assert outcome.status == {3: "pending_review"}
    decide(desk.uow(), desk.declarations(again)[3].id, REVIEWER)
    assert employer(desk)["单位名称"] == "上虞新名称有限公司"


def test_withdraw_releases_the_key_and_only_the_owner_may(desk, db_url):
    batch_id, _ = submit(desk, change(联系人="李红"))
    decl = desk.declarations(batch_id)[3]
    other = second_employer(db_url)
    with pytest.raises(ReviewError) as foreign:
        withdraw(desk.uow(), decl.id, other, "33068287654321")
    assert foreign.value.status == 404
    withdraw(desk.uow(), decl.id, desk.employer_id, "33068212345678")
    assert desk.declarations(batch_id)[3].status == "withdrawn"
    assert desk.batch(batch_id).pending_review == 0
    with pytest.raises(ReviewError):
        decide(desk.uow(), decl.id, REVIEWER)
    _, outcome = submit(desk, change(联系人="李红"))
    assert outcome.status == {3: "pending_review"}


def test_changing_back_to_an_earlier_value_is_a_change_again(desk):
    for name in ("甲公司", "乙公司", "甲公司"):
        batch_id, outcome = submit(desk, change(单位名称=name))
        assert outcome.status == {3: "pending_review"}, name
        decide(desk.uow(), desk.declarations(batch_id)[3].id, REVIEWER)
        assert employer(desk)["单位名称"] == name
    with desk.uow() as uow:
        assert len(employer_history(uow.session, desk.employer_id)) == 3


def test_person_history_reads_enrolments_bases_and_an_injuries_table_if_any(desk):
    from registry.review_queries import person_history
    from tests.integration.test_pipeline_support import person

    someone = person(0)
    _, outcome = desk.submit(xlsx_bytes("person_add", [someone.add()]))
    assert set(outcome.status.values()) == {"applied"}
    with desk.uow() as uow:
        found = person_history(uow.session, someone.id_number)
    assert {e["insurance"] for e in found["enrolments"]} == {"110", "210", "310", "410"}
    assert found["enrolments"][0]["employer"] == "上虞示例制造有限公司"
    assert len(found["bases"]) == 1 and found["injuries"] == []
    # An earlier injury of the person is shown with Chinese labels.
    import datetime as dt

    from registry.models import Injury

    with desk.uow() as uow:
        uow.session.add(
            Injury(
                injury_no="GS202600001", person_id=someone.id_number,
                employer_id=desk.employer_id, accident_date=dt.date(2026, 10, 8),
                place="车间", category="工作时间工作场所事故", body_part="左手",
                description="操作冲床时左手被压伤, 当即送医", hospital="上虞人民医院",
                state="approved", outcome="认定工伤", batch_id=0, excel_row=3,
            )
        )  # fmt: skip
        uow.commit()
    with desk.uow() as uow:
        (injury,) = person_history(uow.session, someone.id_number)["injuries"]
    assert injury["认定编号"] == "GS202600001" and injury["状态"] == "已认定"
    assert injury["事故发生日期"] == "2026-10-08" and injury["单位"] == "上虞示例制造有限公司"
