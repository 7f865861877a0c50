"""撤销本批次 (`importer.undo`) on SQLite and PostgreSQL: the registry exactly as before the
batch, rows changed since kept with the reason, pending rows withdrawn, the undo of an
undo, a run stopped midway resumed, the same sheet applied again afterwards, the window,
an undo that would keep every row refused.

The exactness test is parametrised over kinds: each entry of SCENARIOS prepares the
registry and gives the sheet to apply and undo. Kinds whose every row goes to review
(单位基本信息变更, 工伤, REVIEWED) have no `revert` and are undone by withdrawing: the
registry as before too; see also the pending/approved test, and test_undo_employer_change
for an approved 单位基本信息变更 (taken back). Every kind is in one of the two tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from importer import undo as undo_module
from importer.kinds import KINDS, get_kind
from importer.kinds.base import Decision
from importer.review import decide
from importer.undo import (
    NothingToUndo,
    UndoRefused,
    UndoWindow,
    preview_undo,
    request_undo,
    run_undo,
)
from importer.undo_judge import APPROVED_REASON
from registry.assess import assess_month
from registry.models import AuditEntry, Batch, DeclarationReview, Person
from tests.builders import xlsx_bytes
from tests.integration.injury_support import appraisal_row, approved_injury, enrol, report_row
from tests.integration.test_pipeline_base import base_row
from tests.integration.test_pipeline_insurance import add_row as ins_add_row
from tests.integration.test_pipeline_insurance import remove_row as ins_remove_row
from tests.integration.test_pipeline_support import Desk, person, second_employer
from tests.registry_dump import registry_dump

pytestmark = pytest.mark.integration

ALWAYS = UndoWindow("always")


def undo(desk: Desk, batch_id: int, window: UndoWindow = ALWAYS, chunk_rows: int = 10_000):
    """Request and run the undo of a batch as its employer's clerk."""
    request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", window)
    return run_undo(desk.uow(), batch_id, chunk_rows)


def _add_sheet(desk: Desk) -> tuple[bytes, str]:
    known, new = person(41), person(42)
    desk.submit(
        xlsx_bytes("person_add", [known.add(参保年月="202601", 民族="", 联系电话="13800000041")])
    )
    desk.submit(xlsx_bytes("person_remove", [known.remove(停保年月="202604")]), "人员减少.xlsx")
    rows = [
        known.add(参保年月="202611", 民族="汉族", 联系电话="13900000041", 户口性质="农村"),
        new.add(),
    ]
    return xlsx_bytes("person_add", rows), "人员增加.xlsx"


def _remove_sheet(desk: Desk) -> tuple[bytes, str]:
    a, b = person(43), person(44)
    desk.submit(xlsx_bytes("person_add", [a.add(参保年月="202601"), b.add(参保年月="202605")]))
    sheet = xlsx_bytes(
        "person_remove",
        [a.remove(停保年月="202611"), b.remove(停保年月="202610", 减少原因="解除劳动合同")],
    )
    return sheet, "人员减少.xlsx"


def _insurance_add_sheet(desk: Desk) -> tuple[bytes, str]:
    a, b = person(45), person(46)
    desk.submit(xlsx_bytes("person_add", [p.add(参保年月="202601", 失业保险="否") for p in (a, b)]))
    rows = [ins_add_row(a), ins_add_row(b, month="202610")]
    return xlsx_bytes("insurance_add", rows), "insurance_add.xlsx"


def _insurance_remove_sheet(desk: Desk) -> tuple[bytes, str]:
    a, b = person(47), person(48)
    desk.submit(xlsx_bytes("person_add", [p.add(参保年月="202601") for p in (a, b)]))
    rows = [ins_remove_row(a), ins_remove_row(b, insurance="养老保险", month="202610")]
    return xlsx_bytes("insurance_remove", rows), "insurance_remove.xlsx"


def _base_declare_sheet(desk: Desk) -> tuple[bytes, str]:
    a, b = person(49), person(50)
    desk.submit(xlsx_bytes("person_add", [p.add(参保年月="202601") for p in (a, b)]))
    rows = [base_row(a), base_row(b, 上年度工资总额="30000", 上年度工作月数="10")]
    return xlsx_bytes("base_declare", rows), "缴费基数.xlsx"


def _employer_change_sheet(desk: Desk) -> tuple[bytes, str]:
    headers = get_kind("employer_change").spec.headers
    cells = {"单位地址": "绍兴市上虞区百官街道市民大道88号", "联系人": "李红"}
    return xlsx_bytes("employer_change", [[cells.get(h, "") for h in headers]]), "单位信息变更.xlsx"


def _injury_report_sheet(desk: Desk) -> tuple[bytes, str]:
    a, b = person(55), person(56)
    enrol(desk, a, b)
    rows = [report_row(a), report_row(b, 事故发生日期="2026-11-18")]
    return xlsx_bytes("injury_report", rows), "工伤事故申报.xlsx"


def _injury_appraisal_sheet(desk: Desk) -> tuple[bytes, str]:
    a, b = person(57), person(58)
    enrol(desk, a, b)
    rows = [appraisal_row(p, approved_injury(desk, p)) for p in (a, b)]
    return xlsx_bytes("injury_appraisal", rows), "工伤鉴定.xlsx"


SCENARIOS: dict[str, Callable[[Desk], tuple[bytes, str]]] = {
    "person_add": _add_sheet,
    "person_remove": _remove_sheet,
    "insurance_add": _insurance_add_sheet,
    "insurance_remove": _insurance_remove_sheet,
    "base_declare": _base_declare_sheet,
}
# Kinds whose every row goes to review (no `revert`): their undo withdraws.
REVIEWED: dict[str, Callable[[Desk], tuple[bytes, str]]] = {
    "employer_change": _employer_change_sheet,
    "injury_report": _injury_report_sheet,
    "injury_appraisal": _injury_appraisal_sheet,
}


def test_every_kind_has_its_undo_scenario():
    """A kind with `revert` is undone row by row (SCENARIOS); one without sends every row
    to review and is undone by withdrawing (REVIEWED): a new kind must join one of them."""
    revertible = {name for name, kind in KINDS.items() if kind.revert is not None}
    assert set(SCENARIOS) == revertible
    assert set(REVIEWED) == set(KINDS) - revertible


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_undo_restores_the_registry_exactly(desk, kind):
    sheet, name = SCENARIOS[kind](desk)
    before = registry_dump(desk.url)
    batch_id, outcome = desk.submit(sheet, name)
    assert set(outcome.status.values()) == {"applied"}, outcome.status
    assert registry_dump(desk.url) != before
    result = undo(desk, batch_id, chunk_rows=1)  # one transaction per row: chunks join up
    assert result == {"reverted": len(outcome.status), "kept": []}
    assert registry_dump(desk.url) == before
    batch = desk.batch(batch_id)
    assert (batch.undo_status, batch.undone_by, batch.applied) == ("done", "clerk", 0)
    assert batch.undone_at is not None
    assert {d.status for d in desk.declarations(batch_id).values()} == {"undone"}


def test_rows_changed_since_are_kept_with_the_reason(desk):
    a, b, c, d = person(51), person(52), person(53), person(54)
    sheet = xlsx_bytes("person_add", [p.add(参保年月="202601") for p in (a, b, c, d)])
    batch_id, _ = desk.submit(sheet)
    later, _ = desk.submit(xlsx_bytes("person_remove", [a.remove()]), "人员减少.xlsx")
    based, out = desk.submit(xlsx_bytes("base_declare", [base_row(b)]), "缴费基数.xlsx")
    assert set(out.status.values()) == {"applied"}
    with desk.uow() as uow:  # another writer changed c's phone since (not a declaration)
        uow.session.execute(
            text("UPDATE persons SET phone = '13700000053' WHERE id_number = :p"),
            {"p": c.id_number},
        )
        uow.commit()
    expected = preview_undo(desk.uow(), batch_id)
    result = undo(desk, batch_id)
    assert result["reverted"] == 1 == expected.reverted
    assert result["kept"] == expected.kept
    reasons = {k["row"]: k["reason"] for k in result["kept"]}
    assert sorted(reasons) == [3, 4, 5]
    assert f"批次 #{later}(人员减少)" in reasons[3]
    assert f"批次 #{based}(年度缴费基数申报)" in reasons[4]
    assert "联系电话现为「13700000053」" in reasons[5] and "13812345678" in reasons[5]
    assert desk.person(d.id_number) is None  # the one reverted: a person it created
    assert desk.person(a.id_number) is not None
    decls = desk.declarations(batch_id)
    assert [decls[r].status for r in (3, 4, 5, 6)] == ["applied"] * 3 + ["undone"]
    assert desk.batch(batch_id).applied == 3


@pytest.mark.parametrize("kind", list(REVIEWED))
def test_undoing_a_reviewed_kind_withdraws_its_pending_rows(desk, kind):
    sheet, name = REVIEWED[kind](desk)
    before = registry_dump(desk.url)
    batch_id, outcome = desk.submit(sheet, name)
    assert set(outcome.status.values()) == {"pending_review"}, outcome.issues
    pending = len(outcome.status)
    result = undo(desk, batch_id, chunk_rows=1)
    assert result == {"reverted": 0, "kept": []}
    # What the upload wrote beside its declarations (a pending injury) is gone too.
    assert registry_dump(desk.url) == before
    batch = desk.batch(batch_id)
    assert (batch.undo_status, batch.pending_review, batch.applied) == ("done", 0, 0)
    assert batch.undo_result["withdrawn"] == pending
    decls = desk.declarations(batch_id)
    assert {d.status for d in decls.values()} == {"withdrawn"}
    with desk.uow() as uow:
        reviews = [uow.session.get(DeclarationReview, d.id) for d in decls.values()]
    assert {(r.decision, r.actor) for r in reviews} == {("withdrawn", "clerk")}
    # Withdrawn, the same sheet can be declared again (its key released).
    _, again = desk.submit(sheet, name)
    assert set(again.status.values()) == {"pending_review"}, again.issues


def test_pending_rows_are_withdrawn_and_approved_ones_kept(desk):
    a, b = person(0, birth="19660610"), person(1, birth="19660610")
    desk.submit(xlsx_bytes("person_add", [a.add(参保年月="202601"), b.add(参保年月="202601")]))
    rows = [p.remove(减少原因="退休", 停保年月="202608") for p in (a, b)]
    batch_id, outcome = desk.submit(xlsx_bytes("person_remove", rows), "人员减少.xlsx")
    assert outcome.status == {3: "pending_review", 4: "pending_review"}
    decide(desk.uow(), desk.declarations(batch_id)[4].id, Decision(True, "审核员"))
    after_review = registry_dump(desk.url)
    result = undo(desk, batch_id)
    assert result == {"reverted": 0, "kept": [{"row": 4, "reason": APPROVED_REASON}]}
    decls = desk.declarations(batch_id)
    assert (decls[3].status, decls[4].status) == ("withdrawn", "approved")
    batch = desk.batch(batch_id)
    assert (batch.pending_review, batch.applied, batch.undo_result["withdrawn"]) == (0, 1, 1)
    assert registry_dump(desk.url) == after_review  # the approval stands
    with desk.uow() as uow:
        review = uow.session.get(DeclarationReview, decls[3].id)
        assert (review.decision, review.actor) == ("withdrawn", "clerk")


def test_the_undo_of_an_undo_is_a_no_op(desk):
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(61).add(), person(62).add()]))
    first = undo(desk, batch_id)
    dump = registry_dump(desk.url)
    assert request_undo(desk.uow(), batch_id, desk.employer_id, "again", ALWAYS) == "done"
    assert run_undo(desk.uow(), batch_id) == first == {"reverted": 2, "kept": []}
    assert registry_dump(desk.url) == dump
    with desk.uow() as uow:
        undone = select(func.count()).where(AuditEntry.action == "batch_undone")
        assert uow.session.scalar(undone) == 1
        assert uow.session.get(Batch, batch_id).undone_by == "clerk"


def _judge_failing_on(call: int, error: Exception, calls: list[int]):
    """undo's judge_chunk, recording each chunk's first row in `calls` and raising `error`
    on the `call`-th chunk only (a worker dying, or a bug, midway through an undo)."""
    real = undo_module.judge_chunk

    def judge(session, batch, rows):
        calls.append(rows[0].row)
        if len(calls) == call:
            raise error
        return real(session, batch, rows)

    return judge


def test_a_run_stopped_midway_finishes_when_run_again(desk, monkeypatch):
    people = [person(70 + i) for i in range(5)]
    before = registry_dump(desk.url)
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [p.add() for p in people]))
    request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS)
    real, calls = undo_module.judge_chunk, []
    failing = _judge_failing_on(3, RuntimeError("worker died"), calls)
    monkeypatch.setattr(undo_module, "judge_chunk", failing)
    with pytest.raises(RuntimeError):
        run_undo(desk.uow(), batch_id, chunk_rows=2)
    stopped = desk.batch(batch_id)
    assert stopped.undo_status == "running" and stopped.undo_result["reverted"] == 4
    monkeypatch.setattr(undo_module, "judge_chunk", real)
    assert run_undo(desk.uow(), batch_id, chunk_rows=2) == {"reverted": 5, "kept": []}
    assert registry_dump(desk.url) == before


def test_a_failed_undo_asked_again_resumes_from_its_progress(desk, monkeypatch):
    """An unexpected error in the worker marks the undo failed (`mark_undo_failed`); asked
    again, it goes on after the chunks it committed instead of starting over."""
    from worker.undo_task import mark_undo_failed

    people = [person(75 + i) for i in range(5)]
    before = registry_dump(desk.url)
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [p.add() for p in people]))
    request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS)
    calls: list[int] = []
    monkeypatch.setattr(
        undo_module, "judge_chunk", _judge_failing_on(2, ValueError("a bug"), calls)
    )
    with pytest.raises(ValueError):
        run_undo(desk.uow(), batch_id, chunk_rows=2)
    mark_undo_failed(desk.uow(), batch_id)
    failed = desk.batch(batch_id)
    assert failed.undo_status == "failed" and failed.undo_result["reverted"] == 2
    assert request_undo(desk.uow(), batch_id, desk.employer_id, "clerk2", ALWAYS) == "running"
    assert desk.batch(batch_id).undo_result["after_row"] == 4  # rows 3-4 stay done
    assert run_undo(desk.uow(), batch_id, chunk_rows=2) == {"reverted": 5, "kept": []}
    assert calls == [3, 5, 5, 7]  # rows 3-4 were not judged again
    assert registry_dump(desk.url) == before
    assert desk.batch(batch_id).undone_by == "clerk2"


def test_an_undo_that_would_keep_every_row_is_refused(desk):
    a, b = person(85), person(86)
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [a.add(), b.add()]))
    later, _ = desk.submit(xlsx_bytes("person_remove", [a.remove(), b.remove()]), "人员减少.xlsx")
    dump = registry_dump(desk.url)
    with pytest.raises(NothingToUndo) as refused:
        request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS)
    assert (refused.value.status, refused.value.code) == (409, "nothing_to_undo")
    assert refused.value.message.startswith("本批次的行都已被后来的申报或审核改变, 没有可以撤销的")
    assert "2 行都要保留" in refused.value.message
    assert [k["row"] for k in refused.value.kept] == [3, 4]
    assert f"批次 #{later}(人员减少)" in refused.value.kept[0]["reason"]
    # Nothing marked, nothing written, nothing in the audit log.
    assert desk.batch(batch_id).undo_status is None and registry_dump(desk.url) == dump
    with desk.uow() as uow:
        undone = select(func.count()).where(AuditEntry.action == "batch_undone")
        assert uow.session.scalar(undone) == 0


def test_the_check_judges_small_chunks_first_and_stops_at_a_row_to_undo(desk, monkeypatch):
    a, b, c = person(89), person(90), person(91)
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [a.add(), b.add(), c.add()]))
    desk.submit(xlsx_bytes("person_remove", [a.remove(), b.remove()]), "人员减少.xlsx")
    real, sizes = undo_module.judge_chunk, []

    def counted(session, batch, rows):
        sizes.append([r.row for r in rows])
        return real(session, batch, rows)

    monkeypatch.setattr(undo_module, "judge_chunk", counted)
    monkeypatch.setattr(undo_module, "FIRST_CHECK_ROWS", 1)
    assert request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS) == "running"
    assert sizes == [[3], [4, 5]]  # row 3 kept; the next, ten times larger, holds row 5
    result = run_undo(desk.uow(), batch_id)
    assert result["reverted"] == 1 and [k["row"] for k in result["kept"]] == [3, 4]


def test_a_failed_undo_that_reverted_rows_finishes_though_the_rest_is_kept(desk, monkeypatch):
    from worker.undo_task import mark_undo_failed

    a, b = person(87), person(88)
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [a.add(), b.add()]))
    request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS)
    real = undo_module.judge_chunk

    def fails_on_the_second_chunk(session, batch, rows):
        if rows[0].row == 4:
            raise ValueError("a bug")
        return real(session, batch, rows)

    monkeypatch.setattr(undo_module, "judge_chunk", fails_on_the_second_chunk)
    with pytest.raises(ValueError):
        run_undo(desk.uow(), batch_id, chunk_rows=1)
    mark_undo_failed(desk.uow(), batch_id)
    monkeypatch.setattr(undo_module, "judge_chunk", real)
    later, _ = desk.submit(xlsx_bytes("person_remove", [b.remove()]), "人员减少.xlsx")
    # Row 3 was reverted: asked again, the undo finishes and records it, keeping row 4.
    assert request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS) == "running"
    result = run_undo(desk.uow(), batch_id)
    assert result["reverted"] == 1 and [k["row"] for k in result["kept"]] == [4]
    assert desk.batch(batch_id).undo_status == "done"


def test_the_same_sheet_applies_again_after_the_undo(desk):
    sheet = xlsx_bytes("person_add", [person(81).add(), person(82).add()])
    batch_id, _ = desk.submit(sheet)
    undo(desk, batch_id)
    again, outcome = desk.submit(sheet)
    assert sorted(outcome.status.values()) == ["applied", "applied"]
    assert desk.batch(again).applied == 2 and desk.batch(again).unchanged == 0


def test_undo_is_refused_once_a_month_of_the_batch_is_assessed(desk):
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(91).add(参保年月="202610")]))
    with desk.uow() as uow:
        assess_month(uow.session, "202611")
        uow.commit()
    with pytest.raises(UndoRefused) as refused:
        request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", UndoWindow())
    assert refused.value.status == 409
    assert "2026年11月 已做过月度核定" in refused.value.message
    assert desk.batch(batch_id).undo_status is None
    assert undo(desk, batch_id)["reverted"] == 1  # the operator's `always` still allows it


def test_an_assessment_before_the_batch_does_not_close_the_window(desk):
    desk.submit(xlsx_bytes("person_add", [person(93).add(参保年月="202610")]))
    with desk.uow() as uow:
        assess_month(uow.session, "202611")
        uow.commit()
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(92).add(参保年月="202610")]))
    assert undo(desk, batch_id, UndoWindow())["reverted"] == 1


def test_an_assessment_of_a_month_before_the_batchs_months_does_not_close_it(desk):
    """Rows that all start after the month the batch was applied in: that month's
    assessment did not count them, so it leaves the window open; their own month's closes it."""
    desk.submit(xlsx_bytes("person_add", [person(94).add(参保年月="202601")]))
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(99).add(参保年月="202611")]))
    with desk.uow() as uow:  # applied in October, for November
        uow.session.execute(
            text("UPDATE batches SET finished_at = :at WHERE id = :b"),
            {"at": dt.datetime(2026, 10, 20, 9, 0), "b": batch_id},
        )
        assert assess_month(uow.session, "202610").assessed > 0  # the earlier person
        uow.commit()
    assert preview_undo(desk.uow(), batch_id).reverted == 1
    request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", UndoWindow())
    assert desk.batch(batch_id).undo_status == "running"
    with desk.uow() as uow:
        uow.session.execute(text("UPDATE batches SET undo_status = NULL WHERE id = :b"),
                            {"b": batch_id})  # fmt: skip
        assess_month(uow.session, "202611")
        uow.commit()
    with pytest.raises(UndoRefused) as refused:
        request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", UndoWindow())
    assert "2026年11月 已做过月度核定" in refused.value.message


def test_days_window_and_batches_that_applied_nothing_are_refused(desk):
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(95).add()]))
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=8)
    with pytest.raises(UndoRefused) as late:
        request_undo(desk.uow(), batch_id, desk.employer_id, "c", UndoWindow("days", 7), later)
    assert late.value.status == 409 and "超过 7 天" in late.value.message
    dry, _ = desk.submit(xlsx_bytes("person_add", [person(96).add()]), dry_run=True)
    with pytest.raises(UndoRefused) as nothing:
        request_undo(desk.uow(), dry, desk.employer_id, "c", ALWAYS)
    assert nothing.value.code == "nothing_applied" and "无需撤销" in nothing.value.message


def test_a_batch_not_finished_is_refused_until_it_is(desk):
    sheet = xlsx_bytes("person_add", [person(89).add()])
    queued = desk.upload(sheet)
    with pytest.raises(UndoRefused) as busy:
        request_undo(desk.uow(), queued, desk.employer_id, "clerk", ALWAYS)
    assert (busy.value.status, busy.value.code) == (409, "batch_not_done")
    assert "还在处理中" in busy.value.message and desk.batch(queued).undo_status is None
    desk.run(queued)
    assert undo(desk, queued)["reverted"] == 1
    failed, _ = desk.submit(b"not a workbook", "坏文件.xlsx")
    assert desk.batch(failed).status == "failed"
    with pytest.raises(UndoRefused) as nothing:
        request_undo(desk.uow(), failed, desk.employer_id, "clerk", ALWAYS)
    assert nothing.value.code == "nothing_applied" and "处理失败" in nothing.value.message


def test_another_employer_cannot_undo(desk):
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(97).add()]))
    other = second_employer(desk.url)
    with pytest.raises(UndoRefused) as refused:
        request_undo(desk.uow(), batch_id, other, "intruder", ALWAYS)
    assert refused.value.status == 404
    assert desk.batch(batch_id).undo_status is None
    with desk.uow() as uow:
        assert uow.session.get(Person, person(97).id_number) is not None


def test_window_setting_is_parsed():
    assert UndoWindow.parse(None) == UndoWindow("assessment")
    assert UndoWindow.parse(" days:30 ") == UndoWindow("days", 30)
    assert UndoWindow.parse("always") == UndoWindow("always")
    with pytest.raises(ValueError, match="SHEBAO_UNDO_WINDOW"):
        UndoWindow.parse("weekly")


def test_a_kind_without_revert_is_refused_and_nothing_changes(desk, monkeypatch):
    # Every kind applying rows has its revert now: one is taken away to see the refusal.
    without = dataclasses.replace(get_kind("person_remove"), revert=None)
    monkeypatch.setitem(KINDS, "person_remove", without)
    a = person(98)
    desk.submit(xlsx_bytes("person_add", [a.add(参保年月="202601")]))
    batch_id, _ = desk.submit(xlsx_bytes("person_remove", [a.remove()]), "人员减少.xlsx")
    dump = registry_dump(desk.url)
    with pytest.raises(UndoRefused) as refused:
        request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS)
    assert refused.value.code == "not_revertible" and "人员减少" in refused.value.message
    assert registry_dump(desk.url) == dump and desk.batch(batch_id).undo_status is None
