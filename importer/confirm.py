"""确认申报: apply a previewed batch from its stored file, judging every row afresh.

A preview (a dry run) leaves one declaration per row with the action and changes it
showed. Confirming turns the batch back into a queued run with the dry-run option off;
its rows are judged again from the registry as it is then, so nothing is applied on the
preview's judgement. What the preview showed is kept meanwhile as declarations of status
`previewed` (the pipeline's start keeps them, like applied rows), so a worker killed
mid-confirm still compares against them when the run is resumed. At the end of the run
(`Snapshot.finish`, in the transaction that records the outcome) every row whose action
or changes now differ gets a warning (`JUDGED_AGAIN`) and the snapshot is deleted.

Refusals: a batch the viewer may not see → `ConfirmNotFound` (404, like a missing one);
a batch that is not a finished, unconfirmed preview → `ConfirmRefused` (409).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update

from importer.preview import ACTION_LABELS, CHANGE, REJECTED, UNCHANGED, RowLooks
from registry.batch_queries import visible_batch
from registry.change_queries import PREVIEWED
from registry.models import AuditEntry, Batch, BatchIssue, BatchReport, Declaration
from registry.uow import UnitOfWork
from validators.errors import RowError

JUDGED_AGAIN = "judged_again"
# A row's look: its action and its changes as ((column, old, new), ...).
Look = tuple[str | None, tuple[tuple[str, str, str], ...]]


class ConfirmNotFound(LookupError):
    """No such batch for this viewer (another employer's answers the same)."""


class ConfirmRefused(Exception):
    """The batch cannot be confirmed; the message (Chinese) says why and what to do."""


def is_confirmable(batch: Batch) -> bool:
    """A finished preview that has not been confirmed yet."""
    opts = batch.options or {}
    return batch.status == "done" and bool(opts.get("dry_run")) and not opts.get("confirmed")


def request_confirm(
    uow: UnitOfWork, batch_id: int, employer_id: int | None, actor: str | None
) -> None:
    """Turn finished preview `batch_id` into a queued apply run (committed); the caller
    then queues it (web, API) or runs it (command line). `employer_id` None: any employer."""
    with uow:
        session = uow.session
        batch = visible_batch(session, batch_id, employer_id)
        if batch is None:
            raise ConfirmNotFound(f"批次 {batch_id} 不存在")
        _refuse_unless_confirmable(batch)
        # Conditional on the preview's finish time: of two confirmations at once (a
        # double click, two tabs) only one finds the batch as it read it.
        claimed = session.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.status == "done")
            .where(Batch.finished_at == batch.finished_at)
            .values(
                status="queued", phase=None, finished_at=None, started_at=None,
                progress_done=0, attempts=0,
                options={**(batch.options or {}), "dry_run": False, "preview": True,
                         "confirmed": True},
            )
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]  # fmt: skip
        if claimed != 1:
            raise ConfirmRefused(f"批次 {batch_id} 已经确认申报过了, 不能再次确认。")
        session.execute(
            update(Declaration)
            .where(Declaration.batch_id == batch_id)
            .values(status=PREVIEWED)
            .execution_options(synchronize_session=False)
        )
        # The preview's workbooks describe the preview; the run builds them afresh.
        session.execute(delete(BatchReport).where(BatchReport.batch_id == batch_id))
        session.add(
            AuditEntry(
                actor=actor,
                employer_id=batch.employer_id,
                action="batch_confirm",
                detail={"batch": batch_id},
            )
        )
        uow.commit()


def _refuse_unless_confirmable(batch: Batch) -> None:
    opts = batch.options or {}
    if opts.get("confirmed"):
        raise ConfirmRefused(f"批次 {batch.id} 已经确认申报过了, 不能再次确认。")
    if not opts.get("dry_run"):
        raise ConfirmRefused(
            f"批次 {batch.id} 不是预览批次, 上传时已经直接申报, 没有需要确认的内容。"
        )
    if batch.status != "done":
        raise ConfirmRefused(
            f"批次 {batch.id} 的预览还没有完成(或处理失败), 请等预览完成后再确认申报。"
        )


def judged_again_rows(session, batch_id: int) -> list[int]:
    """The Excel rows a confirmation judged differently from its preview, in order."""
    stmt = (
        select(BatchIssue.excel_row)
        .where(BatchIssue.batch_id == batch_id, BatchIssue.code == JUDGED_AGAIN)
        .distinct()
    )
    return sorted(r for r in session.scalars(stmt) if r is not None)


def _look(action: str | None, changes: Iterable[Any] | None) -> Look:
    return action, tuple(tuple(str(v) for v in c) for c in (changes or ()))  # type: ignore[misc]


def describe(look: Look) -> str:
    """A look as the clerk reads it: 新增, 无变化, 变更 联系电话 138… → 139…"""
    action, changes = look
    label = ACTION_LABELS.get(action or "", action or "未判定")
    if action != CHANGE or not changes:
        return label
    cells = "; ".join(f"{c} {old or '(空)'} → {new or '(空)'}" for c, old, new in changes)
    return f"{label} {cells}"


def judged_again_issue(row: int, was: Look, now: Look) -> RowError:
    """The warning of a row the confirmation judged differently from its preview."""
    message = (
        "预览后登记信息有变化, 本行已按最新信息重新判定: "
        f"预览时为「{describe(was)}」, 现在为「{describe(now)}」。"
        "请核对本行的申报结果; 如需调整, 请修改后重新上传。"
    )
    return RowError(row, None, None, "", JUDGED_AGAIN, message, "warning")


@dataclass
class Snapshot:
    """What the preview showed of each row of a batch being confirmed."""

    batch_id: int
    looks: dict[int, Look] = field(default_factory=dict)

    @classmethod
    def load(cls, session, batch: Batch) -> Snapshot | None:
        """The batch's preview snapshot, or None when the batch is not being confirmed."""
        if not (batch.options or {}).get("confirmed"):
            return None
        stmt = select(Declaration.excel_row, Declaration.action, Declaration.changes).where(
            Declaration.batch_id == batch.id, Declaration.status == PREVIEWED
        )
        rows = session.execute(stmt).all()
        if not rows:
            return None  # already finished (the snapshot goes with the outcome)
        return cls(batch.id, {r: _look(a, c) for r, a, c in rows})

    def finish(
        self, session, verdict, status: Mapping[int, str], looks: RowLooks
    ) -> list[RowError]:
        """Warn about the rows judged differently now (added to `verdict.issues`, and to
        the warnings of their declarations already written), and delete the snapshot;
        the caller commits with the outcome. Returns the warnings."""
        now = _looks_now(session, self.batch_id, status, looks)
        # Rows held back by 全部正确才申报 were not judged differently, only not applied.
        held = {e.row for e in verdict.issues if e.code == "held_back"}
        issues = [
            judged_again_issue(row, self.looks.get(row, (None, ())), look)
            for row, look in sorted(now.items())
            if row not in held and self.looks.get(row, (None, ())) != look
        ]
        verdict.issues.extend(issues)
        _warn_written(
            session, self.batch_id, verdict, [i.row for i in issues if i.row is not None], status
        )
        session.execute(
            delete(Declaration).where(
                Declaration.batch_id == self.batch_id, Declaration.status == PREVIEWED
            )
        )
        # A preview workbook the worker was still storing when the confirmation came.
        session.execute(delete(BatchReport).where(BatchReport.batch_id == self.batch_id))
        return issues


# The statuses whose action is the status itself (see importer.record.ACTION_OF_STATUS).
_FIXED = {"rejected": REJECTED, "unchanged": UNCHANGED}
_WRITTEN = ("applied", "pending_review")


def _looks_now(session, batch_id: int, status: Mapping[int, str], looks: RowLooks) -> dict:
    """Each row's look as this run judged it; rows applied by an earlier, interrupted run
    of the same confirmation are read back from their declarations."""
    now: dict[int, Look] = {}
    earlier: list[int] = []
    for row, s in status.items():
        if s in _FIXED:
            now[row] = (_FIXED[s], ())
        elif row in looks.action:
            now[row] = _look(looks.action[row], looks.changes.get(row))
        else:
            earlier.append(row)
    if earlier:
        stmt = select(Declaration.excel_row, Declaration.action, Declaration.changes).where(
            Declaration.batch_id == batch_id, Declaration.status.in_(_WRITTEN)
        )
        wanted = set(earlier)
        for row, action, changes in session.execute(stmt):
            if row in wanted:
                now[row] = _look(action, changes)
    return now


def _warn_written(session, batch_id: int, verdict, rows: list[int], status) -> None:
    """Give the declarations already written (applied, sent to review) their new warning;
    the others are written after this with every message of their row."""
    from importer.record import messages_by_row

    written = [r for r in rows if status.get(r) in _WRITTEN]
    if not written:
        return
    _, warnings = messages_by_row(verdict)
    table = cast(Table, Declaration.__table__)
    stmt = (
        update(table)
        .where(table.c.batch_id == batch_id, table.c.excel_row == bindparam("row"))
        .where(table.c.status.in_(_WRITTEN))
        .values(warnings=bindparam("w"))
    )
    session.execute(stmt, [{"row": r, "w": warnings.get(r)} for r in written])
