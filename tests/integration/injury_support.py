"""Helpers of the work-injury integration tests (no tests here): rows of the two sheets,
enrolling people, and a reviewer deciding a declaration through the kinds' hooks the way
the review desk does (the hook and the declaration's new status in one transaction)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from importer.kinds import get_kind, spec_of
from importer.kinds.base import Decision
from registry.models import Appraisal, Declaration, Injury
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import Desk, P

REPORT_HEADERS = spec_of("injury_report").headers
APPRAISAL_HEADERS = spec_of("injury_appraisal").headers
REPORT_LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(REPORT_HEADERS)}
APPRAISAL_LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(APPRAISAL_HEADERS)}
STORY = "在二号车间操作冲床更换模具时, 左手食指被模具夹伤, 当即送医。"


def report_row(p: P, **cells: object) -> list[object]:
    """A valid 工伤事故申报 row of `p` (accident 2026-11-20)."""
    values: dict[str, object] = {
        "姓名": p.name, "证件号码": p.id_number, "事故发生日期": "2026-11-20",
        "事故发生地点": "本单位二号车间", "事故类别": "工作时间工作场所事故",
        "受伤部位": "左手食指", "事故经过": STORY, "就诊医疗机构": "上虞区人民医院",
        "联系电话": "13812345678", "备注": "",
    }  # fmt: skip
    assert not set(cells) - set(values), set(cells) - set(values)
    values.update(cells)
    return [values[h] for h in REPORT_HEADERS]


def appraisal_row(p: P, number: str, **cells: object) -> list[object]:
    """A valid 工伤鉴定 row of `p` for injury `number` (初次鉴定 on 2026-11-25)."""
    values: dict[str, object] = {
        "姓名": p.name, "证件号码": p.id_number, "工伤认定编号": number,
        "鉴定类别": "初次鉴定", "申请日期": "2026-11-25", "备注": "",
    }  # fmt: skip
    assert not set(cells) - set(values), set(cells) - set(values)
    values.update(cells)
    return [values[h] for h in APPRAISAL_HEADERS]


def enrol(desk: Desk, *people: P, month: str = "202601", **cells: object) -> None:
    rows = [p.add(参保年月=month, **cells) for p in people]
    _, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"applied"}, outcome.issues


def report(desk: Desk, rows, **kw):
    return desk.submit(xlsx_bytes("injury_report", rows), "工伤事故申报.xlsx", **kw)


def apply_for(desk: Desk, rows, **kw):
    return desk.submit(xlsx_bytes("injury_appraisal", rows), "工伤鉴定.xlsx", **kw)


def decide(desk: Desk, declaration: Declaration, approve: bool = True, **decision) -> dict:
    """A reviewer's decision through the kind's hooks; the declaration becomes approved /
    rejected in the same transaction (what the review desk does)."""
    kind = get_kind(declaration.kind)
    d = Decision(approve=approve, reviewer="reviewer01", **decision)
    with desk.uow() as uow:
        hook = kind.approve if approve else kind.reject
        assert hook is not None
        result = hook(uow.session, declaration, d)
        set_status(uow.session, declaration.id, "approved" if approve else "rejected")
        uow.commit()
    return result


def withdraw(desk: Desk, declaration: Declaration, call_hook: bool = True) -> None:
    """The employer withdraws a pending declaration (with or without the kind's hook)."""
    kind = get_kind(declaration.kind)
    with desk.uow() as uow:
        if call_hook:
            assert kind.withdraw is not None
            kind.withdraw(uow.session, declaration)
        set_status(uow.session, declaration.id, "withdrawn")
        uow.commit()


def set_status(session, declaration_id: int, status: str) -> None:
    session.execute(
        update(Declaration).where(Declaration.id == declaration_id).values(status=status)
    )


def injuries(desk: Desk) -> list[Injury]:
    with desk.uow() as uow:
        return list(uow.session.scalars(select(Injury).order_by(Injury.id)))


def appraisals(desk: Desk) -> list[Appraisal]:
    with desk.uow() as uow:
        return list(uow.session.scalars(select(Appraisal).order_by(Appraisal.id)))


def approved_injury(desk: Desk, p: P, **cells: object) -> str:
    """Report an accident of `p` and have it approved; its 认定编号."""
    batch_id, outcome = report(desk, [report_row(p, **cells)])
    assert outcome.status == {3: "pending_review"}, outcome.issues
    return decide(desk, desk.declarations(batch_id)[3], outcome="认定工伤")["injury_no"]


def conclude(desk: Desk, batch_id: int, on: str, grade: str = "八级") -> None:
    """Conclude the appraisal of row 3 of `batch_id`, dated `on` (YYYY-MM-DD)."""
    declaration = desk.declarations(batch_id)[3]
    decide(desk, declaration, grade=grade, self_care="未达等级")
    with desk.uow() as uow:
        uow.session.execute(
            update(Appraisal)
            .where(Appraisal.declaration_id == declaration.id)
            .values(concluded_at=dt.date.fromisoformat(on))
        )
        uow.commit()
