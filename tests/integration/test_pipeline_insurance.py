"""The import pipeline for 人员险种增加 and 人员险种减少, on SQLite and on PostgreSQL:
valid and invalid rows mixed, re-import idempotency, and the corrections round trip."""

from __future__ import annotations

import io

import pytest

from importer.report import corrections_workbook, error_report
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import (
    Desk,
    open_xlsx,
    person,
    second_employer,
)
from validators.specs import ERROR_NOTE_COLUMN

pytestmark = pytest.mark.integration

ADD = ("姓名", "证件号码", "险种", "开始年月", "备注")
REMOVE = ("姓名", "证件号码", "险种", "停止年月", "减少原因", "备注")
ADD_LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(ADD)}
REMOVE_LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(REMOVE)}


def add_row(p, insurance: str = "失业保险", month: str = "202611", **cells) -> list[object]:
    values = {"姓名": p.name, "证件号码": p.id_number, "险种": insurance, "开始年月": month,
              "备注": "", **cells}  # fmt: skip
    return [values[h] for h in ADD]


def remove_row(p, insurance: str = "失业保险", month: str = "202611", **cells) -> list[object]:
    values = {"姓名": p.name, "证件号码": p.id_number, "险种": insurance, "停止年月": month,
              "减少原因": "其他", "备注": "", **cells}  # fmt: skip
    return [values[h] for h in REMOVE]


def enrol(desk: Desk, *people, month: str = "202601", **cells) -> None:
    """人员增加 of `people` (all insurances but 失业保险 unless told otherwise)."""
    cells.setdefault("失业保险", "否")
    rows = [p.add(参保年月=month, **cells) for p in people]
    _, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"applied"}


def submit(desk: Desk, kind: str, rows, **kw):
    return desk.submit(xlsx_bytes(kind, rows), file_name=f"{kind}.xlsx", **kw)


def active(desk: Desk, p, employer_id: int | None = None) -> dict[str, str]:
    """Insurance → start month of the person's active enrolments (here by default)."""
    found = desk.enrolments(p.id_number, employer_id or desk.employer_id)
    return {e.insurance: e.start_month for e in found if e.status == "active"}


# --- 人员险种增加 --------------------------------------------------------------------------


def test_insurance_add_mixed_sheet(desk, db_url):
    a, b, c, d = person(0), person(1), person(2), person(3)
    enrol(desk, a, b, c)
    Desk(db_url, second_employer(db_url)).submit(
        xlsx_bytes("person_add", [d.add(养老保险="否", 医疗保险="否", 工伤保险="否")])
    )
    enrol(desk, d, 失业保险="否")
    old = person(4, birth="19600101")
    enrol(desk, old, 养老保险="否")
    rows = [
        add_row(a),  # 3 applied
        add_row(a, "工伤保险"),  # 4 already active from 202601
        add_row(b, month="202612"),  # 5 applied
        add_row(c, "生育保险"),  # 6 not in the list
        add_row(d),  # 7 失业保险 active at the other employer
        add_row(person(9)),  # 8 unknown
        add_row(b, month="202610"),  # 9 same person and insurance as row 5
        add_row(old),  # 10 past retirement age
        add_row(c, 姓名="别人"),  # 11 name
    ]
    batch_id, outcome = submit(desk, "insurance_add", rows)
    err = lambda r, col, code: (r, col, ADD_LETTERS[col], code)  # noqa: E731
    assert desk.errors(batch_id) == {
        err(4, "险种", "insurance_already_active"),
        err(5, "险种", "duplicate_insurance_in_sheet"),
        err(9, "险种", "duplicate_insurance_in_sheet"),
        err(6, "险种", "not_in_list"),
        err(7, "险种", "insurance_active_elsewhere"),
        err(8, "证件号码", "not_enrolled_here"),
        err(10, "险种", "insurance_past_retirement"),
        err(11, "姓名", "name_mismatch"),
    }
    assert outcome.status == {3: "applied", **{r: "rejected" for r in range(4, 12)}}
    assert active(desk, a) == {"110": "202601", "310": "202601", "410": "202601", "210": "202611"}
    assert "210" not in active(desk, b) and "210" not in active(desk, old)
    batch = desk.batch(batch_id)
    assert (batch.kind, batch.applied, batch.rejected) == ("insurance_add", 1, 8)
    decl = desk.declarations(batch_id)[3]
    assert decl.natural_key.endswith(f"|insurance_add|{a.id_number}|失业保险|202611")


def test_insurance_add_again_is_unchanged_and_writes_nothing(desk):
    a, b = person(0), person(1)
    enrol(desk, a, b)
    data = xlsx_bytes("insurance_add", [add_row(a), add_row(b, "失业保险", "202612")])
    _, first = desk.submit(data, file_name="险种增加.xlsx")
    assert set(first.status.values()) == {"applied"}
    count = len(desk.enrolments())
    again, outcome = desk.submit(data, file_name="险种增加.xlsx")
    assert outcome.status == {3: "unchanged", 4: "unchanged"}
    assert desk.errors(again) == set() and desk.batch(again).unchanged == 2
    assert len(desk.enrolments()) == count
    # After the insurance is stopped again, the old sheet still says "already applied".
    submit(desk, "insurance_remove", [remove_row(a, month="202612")])
    _, outcome = desk.submit(data, file_name="险种增加.xlsx")
    assert outcome.status == {3: "unchanged", 4: "unchanged"}


def test_insurance_add_corrections_round_trip(desk):
    a, b = person(0), person(1)
    enrol(desk, a, b)
    rows = [add_row(a, month="202701"), add_row(b, "失业险")]
    batch_id, outcome = submit(desk, "insurance_add", rows)
    assert outcome.status == {3: "rejected", 4: "rejected"}
    report = open_xlsx(error_report(desk.uow(), batch_id))
    assert report.worksheets
    ws = open_xlsx(corrections_workbook(desk.uow(), batch_id)).worksheets[0]
    assert ws.title == "人员险种增加"
    assert [ws.cell(2, c).value for c in range(1, 6)] == list(ADD)
    assert ws.cell(2, 6).value == ERROR_NOTE_COLUMN
    ws.cell(3, 4).value = "202611"
    ws.cell(4, 3).value = "失业保险"
    buf = io.BytesIO()
    ws.parent.save(buf)
    again, outcome = desk.submit(buf.getvalue(), "险种增加更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "applied", 4: "applied"}
    assert desk.errors(again) == set()
    assert active(desk, a)["210"] == active(desk, b)["210"] == "202611"


# --- 人员险种减少 --------------------------------------------------------------------------


def test_insurance_remove_mixed_sheet(desk):
    a, b, c = person(0), person(1), person(2)
    enrol(desk, a, b, c, 失业保险="是", month="202603")
    rows = [
        remove_row(a),  # 3 applied: only 失业保险 stops
        remove_row(b, "工伤保险", "202602"),  # 4 before that insurance's start
        remove_row(c, 减少原因="跳槽"),  # 5 not in the list
        remove_row(person(8)),  # 6 unknown
        remove_row(a, 停止年月="202701"),  # 7 later than next month (and a's 失业 twice)
        remove_row(b, "养老保险", 减少原因="重复参保"),  # 8 applied
    ]
    batch_id, outcome = submit(desk, "insurance_remove", rows)
    err = lambda r, col, code: (r, col, REMOVE_LETTERS[col], code)  # noqa: E731
    assert desk.errors(batch_id) == {
        err(3, "险种", "duplicate_insurance_in_sheet"),
        err(7, "险种", "duplicate_insurance_in_sheet"),
        err(7, "停止年月", "month_too_late"),
        err(4, "停止年月", "insurance_stop_before_start"),
        err(5, "减少原因", "not_in_list"),
        err(6, "证件号码", "not_enrolled_here"),
    }
    assert outcome.status == {8: "applied", **{r: "rejected" for r in range(3, 8)}}
    stopped = [e for e in desk.enrolments(b.id_number) if e.status == "stopped"]
    assert [(e.insurance, e.end_month, e.stop_reason) for e in stopped] == [
        ("110", "202611", "重复参保")
    ]
    assert set(active(desk, b)) == {"210", "310", "410"}


def test_insurance_remove_twice_and_of_an_insurance_not_held(desk):
    a = person(0)
    enrol(desk, a)  # no 失业保险
    batch_id, _ = submit(desk, "insurance_remove", [remove_row(a)])
    assert desk.errors(batch_id) == {(3, "险种", "C", "insurance_not_held_here")}
    data = xlsx_bytes("insurance_remove", [remove_row(a, "工伤保险", "202610")])
    _, first = desk.submit(data, file_name="减.xlsx")
    assert first.status == {3: "applied"}
    again, outcome = desk.submit(data, file_name="减.xlsx")
    assert outcome.status == {3: "unchanged"} and desk.errors(again) == set()
    later, outcome = submit(desk, "insurance_remove", [remove_row(a, "工伤保险", "202611")])
    assert desk.errors(later) == {(3, "停止年月", "D", "insurance_already_stopped")}
    (issue,) = desk.issues(later)
    assert "2026年10月" in issue.message
    assert set(active(desk, a)) == {"110", "310"}


def test_insurance_remove_then_add_again(desk):
    a = person(0)
    enrol(desk, a)
    assert submit(desk, "insurance_remove", [remove_row(a, "工伤保险", "202608")])[1].status == {
        3: "applied"
    }
    batch_id, outcome = submit(desk, "insurance_add", [add_row(a, "工伤保险", "202608")])
    assert desk.errors(batch_id) == {(3, "险种", "C", "insurance_overlaps_history")}
    _, outcome = submit(desk, "insurance_add", [add_row(a, "工伤保险", "202609")])
    assert outcome.status == {3: "applied"}
    assert active(desk, a)["410"] == "202609"


def test_insurance_remove_corrections_round_trip(desk):
    a = person(0)
    enrol(desk, a, 失业保险="是")
    batch_id, _ = submit(desk, "insurance_remove", [remove_row(a, 减少原因="")])
    ws = open_xlsx(corrections_workbook(desk.uow(), batch_id)).worksheets[0]
    assert ws.title == "人员险种减少"
    assert [ws.cell(3, c).value for c in range(1, 5)] == [a.name, a.id_number, "失业保险", "202611"]
    ws.cell(3, 5).value = "转往他处参保"
    buf = io.BytesIO()
    ws.parent.save(buf)
    again, outcome = desk.submit(buf.getvalue(), "更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "applied"}
    assert "210" not in active(desk, a)
