"""撤销本批次 of an approved 单位基本信息变更, on SQLite and PostgreSQL: the employer's
fields and its change history exactly as before the batch, unless a change approved
after it set one of the same fields (kept, naming that batch and declaration), another
writer changed a field it set, or another employer took its old credit code since. An
approved work injury stays (a legal decision)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from importer.kinds import get_kind
from importer.kinds.base import Decision
from importer.review import decide
from importer.undo import NothingToUndo, UndoWindow, preview_undo, request_undo, run_undo
from importer.undo_judge import APPROVED_REASON, UNRECORDED_REASON
from registry.models import AuditEntry, Employer, EmployerHistory
from tests.builders import xlsx_bytes
from tests.integration.injury_support import enrol, report_row
from tests.integration.test_pipeline_support import Desk, person, second_employer
from tests.registry_dump import registry_dump

pytestmark = pytest.mark.integration

ALWAYS = UndoWindow("always")
HEADERS = get_kind("employer_change").spec.headers
ADDRESS = "绍兴市上虞区百官街道市民大道88号"


def change(desk: Desk, approve: bool = True, **cells: str) -> tuple[int, int]:
    """Upload a change of `cells` (header → new value), approved by a reviewer unless
    `approve` is false; (batch id, declaration id)."""
    sheet = xlsx_bytes("employer_change", [[cells.get(h, "") for h in HEADERS]])
    batch_id, outcome = desk.submit(sheet, "单位信息变更.xlsx")
    assert outcome.status == {3: "pending_review"}, outcome.issues
    declaration = desk.declarations(batch_id)[3].id
    if approve:
        decide(desk.uow(), declaration, Decision(True, "审核员"))
    return batch_id, declaration


def approve(desk: Desk, declaration: int) -> None:
    decide(desk.uow(), declaration, Decision(True, "审核员"))


def undo(desk: Desk, batch_id: int) -> dict:
    request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS)
    return run_undo(desk.uow(), batch_id)


def employer(desk: Desk) -> Employer:
    with desk.uow() as uow:
        found = uow.session.get(Employer, desk.employer_id)
        assert found is not None
        return found


def history(desk: Desk) -> list[dict]:
    with desk.uow() as uow:
        entries = uow.session.scalars(select(EmployerHistory).order_by(EmployerHistory.id))
        return [e.new_values for e in entries]


def test_an_approved_change_is_taken_back_exactly(desk):
    before = registry_dump(desk.url)
    batch_id, declaration = change(desk, 单位地址=ADDRESS, 联系人="李红", 行业风险类别="4")
    assert registry_dump(desk.url) != before
    assert (employer(desk).address, employer(desk).risk_class) == (ADDRESS, 4)
    assert desk.batch(batch_id).applied == 1
    assert undo(desk, batch_id) == {"reverted": 1, "kept": []}
    # The fields as before, and the history entry the approval wrote gone with it.
    assert registry_dump(desk.url) == before
    assert history(desk) == []
    batch = desk.batch(batch_id)
    assert (batch.undo_status, batch.applied, batch.undo_result["withdrawn"]) == ("done", 0, 0)
    assert desk.declarations(batch_id)[3].status == "undone"
    with desk.uow() as uow:
        entry = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "batch_undone"))
        assert entry is not None and (entry.actor, entry.detail["reverted"]) == ("clerk", 1)
    # The change released its key: declared again, it goes to a reviewer again.
    again, _ = change(desk, approve=False, 单位地址=ADDRESS, 联系人="李红", 行业风险类别="4")
    assert desk.declarations(again)[3].status == "pending_review"


def test_a_later_approved_change_of_one_of_its_fields_keeps_it(desk):
    start = registry_dump(desk.url)
    batch_id, _ = change(desk, 单位地址=ADDRESS, 联系人="李红")
    later, later_declaration = change(desk, 联系人="王芳")
    standing = registry_dump(desk.url)
    preview = preview_undo(desk.uow(), batch_id)
    assert (preview.reverted, preview.withdrawn) == (0, 0)
    [kept] = preview.kept
    assert kept["row"] == 3
    assert f"批次 #{later}(单位基本信息变更, 申报 #{later_declaration})" in kept["reason"]
    assert "又变更了联系人" in kept["reason"] and "单位地址" not in kept["reason"]
    assert registry_dump(desk.url) == standing  # judging writes nothing
    with pytest.raises(NothingToUndo):  # its only row is kept: nothing to undo
        request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", ALWAYS)
    # Undone in turn, the later one first: the registry as at the start.
    assert undo(desk, later) == {"reverted": 1, "kept": []}
    assert employer(desk).contact == "李红"
    assert undo(desk, batch_id) == {"reverted": 1, "kept": []}
    assert registry_dump(desk.url) == start


def test_a_later_change_of_other_fields_leaves_them_as_it_set_them(desk):
    old_address = employer(desk).address
    batch_id, _ = change(desk, 单位地址=ADDRESS)
    change(desk, 联系电话="0575-82123456")
    assert undo(desk, batch_id) == {"reverted": 1, "kept": []}
    now = employer(desk)
    assert (now.address, now.phone) == (old_address, "0575-82123456")
    assert history(desk) == [{"联系电话": "0575-82123456"}]


def test_approvals_count_in_the_order_they_were_decided(desk):
    old_address = employer(desk).address
    first, first_declaration = change(desk, approve=False, 单位地址=ADDRESS)
    second, second_declaration = change(
        desk, approve=False, 单位地址="绍兴市上虞区曹娥街道江扬路1号"
    )
    approve(desk, second_declaration)
    approve(desk, first_declaration)  # declared first, approved last: its address stands
    kept = preview_undo(desk.uow(), second).kept
    assert [k["row"] for k in kept] == [3] and f"批次 #{first}" in kept[0]["reason"]
    # The first one's undo puts back the address it replaced: the second one's.
    assert undo(desk, first) == {"reverted": 1, "kept": []}
    assert employer(desk).address == "绍兴市上虞区曹娥街道江扬路1号"
    assert undo(desk, second) == {"reverted": 1, "kept": []}
    assert employer(desk).address == old_address and history(desk) == []


def test_a_field_another_writer_changed_since_keeps_it(desk):
    batch_id, _ = change(desk, 单位地址=ADDRESS, 联系人="李红")
    with desk.uow() as uow:  # not through a declaration: no history entry
        uow.session.execute(text("UPDATE employers SET contact = '赵六' WHERE id = :e"),
                            {"e": desk.employer_id})  # fmt: skip
        uow.commit()
    kept = preview_undo(desk.uow(), batch_id).kept
    assert kept == [{"row": 3, "reason": kept[0]["reason"]}]
    assert "联系人现为「赵六」" in kept[0]["reason"] and "「李红」" in kept[0]["reason"]


def test_an_old_credit_code_another_employer_took_since_keeps_it(desk, db_url):
    with desk.uow() as uow:
        uow.session.execute(
            text("UPDATE employers SET credit_code = '91330604MA2JT1XX0X' WHERE id = :e"),
            {"e": desk.employer_id},
        )
        uow.commit()
    batch_id, _ = change(desk, 统一社会信用代码="913306046096828782")
    other = second_employer(db_url)
    with desk.uow() as uow:
        uow.session.execute(
            text("UPDATE employers SET credit_code = '91330604MA2JT1XX0X' WHERE id = :e"),
            {"e": other},
        )
        uow.commit()
    [kept] = preview_undo(desk.uow(), batch_id).kept
    assert (
        "原统一社会信用代码 91330604MA2JT1XX0X" in kept["reason"] and "87654321" in kept["reason"]
    )


def test_an_approval_that_recorded_nothing_is_kept(desk):
    # Approved before approvals recorded what they replaced (an older release).
    batch_id, declaration = change(desk, 单位地址=ADDRESS)
    with desk.uow() as uow:
        uow.session.execute(text("UPDATE declarations SET before = NULL WHERE id = :d"),
                            {"d": declaration})  # fmt: skip
        uow.commit()
    assert preview_undo(desk.uow(), batch_id).kept == [{"row": 3, "reason": UNRECORDED_REASON}]


def test_an_approved_injury_is_kept(desk):
    a = person(5)
    enrol(desk, a)
    batch_id, outcome = desk.submit(xlsx_bytes("injury_report", [report_row(a)]), "工伤.xlsx")
    assert outcome.status == {3: "pending_review"}, outcome.issues
    decide(desk.uow(), desk.declarations(batch_id)[3].id,
           Decision(True, "审核员", outcome="认定工伤"))  # fmt: skip
    preview = preview_undo(desk.uow(), batch_id)
    assert (preview.reverted, preview.kept) == (0, [{"row": 3, "reason": APPROVED_REASON}])
