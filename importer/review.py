"""The review desk's decisions: approve, reject (a reviewer) and withdraw (the employer).

pending_review → approved / rejected (reviewer) or withdrawn (employer). Approving calls
the kind's `approve` hook in the same transaction, under the employer's lock, so it
cannot interleave with a batch writing the same employer's rows. A rejection comes back
to the clerk like a validation error: the row counts as 未通过 in its batch, carries an
issue with the reviewer's reason, and the batch's stored reports are dropped so the
next download (error report, corrections workbook) is rebuilt with it. Approved rows
keep their natural key; rejected and withdrawn ones release it for a corrected sheet.
Every decision goes in the audit log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from importer.kinds import get_kind
from importer.kinds.base import Decision, DecisionRefused
from registry.batch_queries import count_issue
from registry.models import (
    AuditEntry,
    Batch,
    BatchIssue,
    BatchReport,
    Declaration,
    DeclarationReview,
    utcnow,
)
from registry.uow import UnitOfWork
from validators import messages

__all__ = ["Decision", "DecisionRefused", "ReviewError", "decide", "withdraw"]


class ReviewError(Exception):
    """A decision that cannot be taken; `message` is Chinese, `status` an HTTP status
    (404: no such declaration for this viewer, 409: already decided, 400: bad input)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _not_found() -> ReviewError:
    return ReviewError(404, "declaration_not_found", "申报不存在。请检查申报编号是否正确。")


def _pending(session: Session, declaration_id: int, scope: int | None) -> Declaration:
    """The declaration, locked, when the viewer may act on it and it still waits."""
    found = session.get(Declaration, declaration_id)
    if found is None or (scope is not None and found.employer_id != scope):
        raise _not_found()
    # Serialise with the employer's batches and with a second reviewer: bumping the
    # write sequence takes the employer's row lock and tells a running batch to judge
    # its next chunk again.
    session.execute(
        text("UPDATE employers SET apply_seq = apply_seq + 1 WHERE id = :id"),
        {"id": found.employer_id},
    )
    session.refresh(found, with_for_update=session.get_bind().dialect.name == "postgresql")
    if found.status != "pending_review":
        raise ReviewError(
            409,
            "already_decided",
            f"该申报已处理(当前状态: {_STATE_LABEL.get(found.status, found.status)}), 不能再次操作。",
        )
    return found


_STATE_LABEL = {
    "approved": "已批准", "rejected": "未通过", "withdrawn": "已撤回", "applied": "已申报",
    "unchanged": "无变化", "valid": "校验通过",
}  # fmt: skip


def decide(uow: UnitOfWork, declaration_id: int, decision: Decision) -> dict[str, Any]:
    """Approve or reject a pending declaration; returns what the approval produced."""
    if not decision.approve and not decision.reason.strip():
        raise ReviewError(400, "reason_required", "退回申报时请写明原因, 让单位知道要修改什么。")
    with uow:
        session = uow.session
        found = _pending(session, declaration_id, None)
        batch = session.get(Batch, found.batch_id)
        assert batch is not None  # written before its declarations
        if decision.approve:
            approve = get_kind(found.kind).approve
            if approve is None:
                raise ReviewError(400, "not_reviewable", "这类申报不需要审核。")
            try:
                result = approve(session, found, decision)
            except DecisionRefused as exc:
                uow.rollback()
                raise ReviewError(400, "decision_refused", exc.message) from None
            found.status, batch.applied = "approved", batch.applied + 1
        else:
            result = _kind_rejection(uow, found, decision)
            _reject(session, found, batch, decision.reason.strip())
        batch.pending_review = max(0, batch.pending_review - 1)
        _record(session, found, "approved" if decision.approve else "rejected", decision, result)
        uow.commit()
        return result


def _kind_rejection(uow: UnitOfWork, found: Declaration, decision: Decision) -> dict[str, Any]:
    """What the kind records of a rejection in its own tables (an injury's 不予认定)."""
    reject = get_kind(found.kind).reject
    if reject is None:
        return {}
    try:
        return reject(uow.session, found, decision)
    except DecisionRefused as exc:
        uow.rollback()
        raise ReviewError(400, "decision_refused", exc.message) from None


def _reject(session: Session, found: Declaration, batch: Batch, reason: str) -> None:
    message = messages.render("review_rejected", reason=reason)
    found.status = "rejected"
    found.errors = [
        *(found.errors or []),
        {"column": None, "code": "review_rejected", "message": message},
    ]
    session.add(
        BatchIssue(
            batch_id=batch.id, excel_row=found.excel_row, column=None, letter=None, value="",
            code="review_rejected", message=message, severity="error",
        )
    )  # fmt: skip
    count_issue(batch, None, None, "error", "review_rejected")
    batch.rejected += 1
    # The stored workbooks no longer tell the whole story: the next download rebuilds them.
    session.execute(delete(BatchReport).where(BatchReport.batch_id == batch.id))


def withdraw(uow: UnitOfWork, declaration_id: int, employer_id: int, actor: str) -> None:
    """撤回: the employer takes back its own declaration still pending review."""
    with uow:
        session = uow.session
        found = _pending(session, declaration_id, employer_id)
        batch = session.get(Batch, found.batch_id)
        assert batch is not None
        undo = get_kind(found.kind).withdraw
        if undo is not None:
            undo(session, found)  # e.g. the pending injury written beside it goes
        found.status = "withdrawn"
        batch.pending_review = max(0, batch.pending_review - 1)
        _record(session, found, "withdrawn", Decision(approve=False, reviewer=actor), {})
        uow.commit()


def _record(
    session: Session, found: Declaration, outcome: str, decision: Decision, result: dict
) -> None:
    reason = decision.reason.strip() or None
    extra = {k: v for k, v in (("outcome", decision.outcome), ("grade", decision.grade),
             ("self_care", decision.self_care)) if v}  # fmt: skip
    stored = {**extra, **result}
    existing = session.scalar(
        select(DeclarationReview).where(DeclarationReview.declaration_id == found.id)
    )
    if existing is not None:  # never expected: a declaration is decided once
        session.delete(existing)
        session.flush()
    session.add(
        DeclarationReview(
            declaration_id=found.id, decision=outcome, actor=decision.reviewer[:40],
            reason=reason, result=stored or None, decided_at=utcnow(),
        )
    )  # fmt: skip
    session.add(
        AuditEntry(
            actor=decision.reviewer[:40],
            employer_id=found.employer_id,
            action=f"declaration_{outcome}",
            detail={
                "declaration": found.id, "batch": found.batch_id, "kind": found.kind,
                "row": found.excel_row, "reason": reason, **stored,
            },
        )
    )  # fmt: skip
