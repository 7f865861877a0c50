"""撤销本批次 of an approved 单位基本信息变更 (`employer_change.KIND.undo_approved`).

Approving a change writes the changed fields to the employer and one `employer_history`
entry; `record_before` keeps on the declaration what the approval replaced (its
`before`: header → old value of each changed field, and `_history`, the entry's id).
Undoing the batch puts those old values back and removes the entry, so the employer and
its history are as before the change, unless a change approved after it set one of the
same fields (its value stands: the row is kept, naming that change), the employer no
longer holds what the approval set (kept, naming the field), or another employer has
registered the old credit code since (kept: two employers never share one).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from importer.apply import Delete, Target, Update, Write, none_if_blank
from registry.employer_info import EMPLOYER_FIELDS, current_values
from registry.models import Declaration, Employer, EmployerHistory

HISTORY = "_history"
CREDIT_CODE = "统一社会信用代码"


def record_before(
    session: Session, declaration_id: int, old: dict[str, str], history_id: int | None
) -> None:
    """Keep on the approved declaration the values its approval replaced (header → old
    value) and the history entry it wrote; an approval that changed nothing keeps {}."""
    found = session.get(Declaration, declaration_id)
    assert found is not None  # the declaration being approved
    found.before = {**old, HISTORY: history_id} if history_id is not None else {}


def revert(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Put back the fields each approval changed, from its `before`, and remove the history
    entry it wrote."""
    writes: list[Write] = []
    entries = []
    for before in rows["_before"]:
        values = {EMPLOYER_FIELDS[h]: v for h, v in before.items() if h in EMPLOYER_FIELDS}
        if values:
            writes.append(_restore(values, target.employer_id))
        if before.get(HISTORY) is not None:
            entries.append((before[HISTORY],))
    if entries:
        writes.append(Delete("employer_history", ("id",), entries))
    return writes


def _restore(values: dict[str, str], employer_id: int) -> Update:
    # The attribute names come from EMPLOYER_FIELDS, never from the declaration's data.
    sets = ", ".join(f"{attr} = ?" for attr in values)
    stored = [_stored(attr, value) for attr, value in values.items()]
    sql = f"UPDATE employers SET {sets} WHERE id = ?"
    return Update(sql, sql.replace("?", "%s"), [(*stored, employer_id)])


def _stored(attr: str, value: str) -> Any:
    # The history keeps text ("" for nothing held); the class is a number.
    if attr == "risk_class":
        return int(value) if value else None
    return none_if_blank(value)


def kept(session: Session, employer_id: int, rows: pd.DataFrame) -> dict[int, str]:
    """Excel row → why an approved change is not taken back: a change approved after it
    set one of its fields, or the employer no longer holds a value it set."""
    history = {
        e.id: e
        for e in session.scalars(
            select(EmployerHistory).where(EmployerHistory.employer_id == employer_id)
        )
    }
    approvals = _approvals(session, employer_id)
    employer = session.get(Employer, employer_id)
    now = current_values(employer) if employer is not None else {}
    reasons = {}
    for row, before in rows["_before"].items():
        entry_id = before.get(HISTORY)
        fields = [h for h in before if h in EMPLOYER_FIELDS]
        if entry_id is None or not fields:
            continue  # the approval changed nothing: nothing to put back
        later = _later_entry(history, entry_id, fields)
        if later is not None:
            reasons[int(row)] = _later_reason(later, fields, approvals.get(later.id))
            continue
        moved = _moved(history[entry_id], now) if entry_id in history else None
        reason = moved or _code_taken(session, employer_id, before.get(CREDIT_CODE, ""))
        if reason is not None:
            reasons[int(row)] = reason
    return reasons


def _code_taken(session: Session, employer_id: int, code: str) -> str | None:
    """Why the old credit code cannot come back (another employer registered it since),
    or None: two employers never hold one code (the approval checks it too)."""
    if not code:
        return None
    other = session.scalar(
        select(Employer.code).where(Employer.credit_code == code, Employer.id != employer_id)
    )
    if other is None:
        return None
    return (
        f"原统一社会信用代码 {code} 此后已由单位 {other} 登记使用, 不能改回, "
        "本行保留, 没有撤销。请到社保经办窗口核实。"
    )


def _approvals(session: Session, employer_id: int) -> dict[int, tuple[int, int]]:
    """History entry id → (batch, declaration) of the employer's approved changes."""
    found = session.execute(
        select(Declaration.id, Declaration.batch_id, Declaration.before).where(
            Declaration.employer_id == employer_id,
            Declaration.kind == "employer_change",
            Declaration.status == "approved",
        )
    )
    return {
        before[HISTORY]: (batch_id, decl_id)
        for decl_id, batch_id, before in found
        if isinstance(before, dict) and before.get(HISTORY) is not None
    }


def _later_entry(
    history: dict[int, EmployerHistory], entry_id: int, fields: list[str]
) -> EmployerHistory | None:
    """The first change written after entry `entry_id` that set one of `fields`."""
    for later_id in sorted(i for i in history if i > entry_id):
        if set(history[later_id].new_values or {}) & set(fields):
            return history[later_id]
    return None


def _later_reason(entry: EmployerHistory, fields: list[str], by: tuple[int, int] | None) -> str:
    touched = "、".join(h for h in fields if h in (entry.new_values or {}))
    if by is None:
        when = entry.changed_at.strftime("%Y-%m-%d %H:%M")
        return f"本单位的{touched}此后({when})又变更过, 以后来的变更为准, 本行保留, 没有撤销。"
    return (
        f"本单位此后在批次 #{by[0]}(单位基本信息变更, 申报 #{by[1]})中又变更了{touched}, "
        "已审核通过, 以后来的变更为准, 本行保留, 没有撤销。如需更正, 请另行申报。"
    )


def _moved(entry: EmployerHistory, now: dict[str, str]) -> str | None:
    """Why a change is kept whose values the employer no longer holds (another writer
    changed them without a history entry), or None."""
    for header, new in (entry.new_values or {}).items():
        held = now.get(EMPLOYER_FIELDS.get(header, ""), "")
        if header in EMPLOYER_FIELDS and held != str(new):
            return (
                f"{header}现为「{held}」, 与本行变更后的「{new}」不同(此后已被其他方式改动), "
                "本行保留, 没有撤销。"
            )
    return None
