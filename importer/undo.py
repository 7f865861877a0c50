"""撤销本批次: take back what a finished batch applied, row by row, from its before-images.

Two steps, so the web can answer at once and a worker do the work:
- `request_undo` checks the batch may be undone (visible to the viewer, finished, applied
  something, within the operator's window `UndoWindow`, its kind can revert, one row at
  least to revert or withdraw: `NothingToUndo` when every row would be kept) and marks it
  `undo_status = "running"` with who asked; undoing a batch already undone (or being
  undone) changes nothing and says so.
- `run_undo` does it, in chunks of declarations (10,000), one transaction each under the
  employer's lock (`importer.apply.lock_employer`: a batch of that employer running at
  the same time judges its next chunk again). Per chunk, `judge_chunk` decides, from what
  the registry holds *now*:
  - a row pending review is withdrawn (the kind's `withdraw` hook, as the desk does);
  - a row a reviewer approved is kept (已经审核通过), unless its kind takes approvals back
    (`Kind.undo_approved`: 单位基本信息变更 puts the employer's fields back from what the
    approval recorded and removes its history entry) and no later decision changed what
    it set; an injury's 认定 or 鉴定 stays;
  - an applied row is kept when a later declaration of its subject from another batch
    holds (applied, approved or pending review: same person for person kinds, across
    employers; same employer and kind otherwise), or when the kind's `current` now differs
    from what the row set in a compared column (a cell the row left blank, or the
    registry holds nothing for now, is not compared); the reason names the batch, or
    the column and its value now;
  - every other applied row is put back with the kind's `revert` and marked `undone`,
    which releases its natural key: the same sheet uploaded again applies again.
  Progress (the last Excel row done, the counts, the kept rows) is saved with each
  chunk in `batches.undo_result`, so a run killed midway resumes where it stopped (the
  worker's recovery finds `undo_status = "running"`); the last step records the result
  {"reverted": N, "kept": [{"row", "reason"}]}, `undone_at`, the audit entry, and drops
  the stored report workbooks (rebuilt on the next download).

`preview_undo` runs the same judgement without writing: the confirmation step says how
many rows will be reverted and which are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from importer.apply import Target, lock_employer, write_all
from importer.kinds import get_kind
from importer.undo_judge import (
    ChunkVerdict,
    HeldRow,
    approval_frame,
    judge_chunk,
    payload_frame,
    read_chunk,
)
from importer.undo_window import UndoRefused, UndoWindow, check_window
from registry.batch_queries import visible_batch
from registry.models import AuditEntry, Batch, BatchReport, Declaration, DeclarationReview, utcnow
from registry.uow import UnitOfWork

__all__ = [
    "NothingToUndo",
    "UndoRefused",
    "UndoWindow",
    "check_undo",
    "preview_undo",
    "request_undo",
    "result_of",
    "run_undo",
]

CHUNK_ROWS = 10_000
FIRST_CHECK_ROWS = 100  # the first chunk `check_undo` judges (see _check_something_to_undo)
RUNNING, DONE, FAILED = "running", "done", "failed"
WITHDRAWN_REASON = "撤销本批次"


@dataclass
class Progress:
    """What an undo has done so far (stored in `batches.undo_result` while it runs)."""

    after_row: int = 0
    reverted: int = 0
    withdrawn: int = 0
    kept: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> Progress:
        """The progress a batch row holds (none yet: a fresh start)."""
        s = stored or {}
        return cls(s.get("after_row", 0), s.get("reverted", 0), s.get("withdrawn", 0),
                   list(s.get("kept", [])))  # fmt: skip

    def stored(self, finished: bool) -> dict[str, Any]:
        """The JSON kept on the batch; the finished one drops the resume point."""
        out = {"reverted": self.reverted, "kept": self.kept, "withdrawn": self.withdrawn}
        return out if finished else {**out, "after_row": self.after_row}


def result_of(batch: Batch) -> dict[str, Any]:
    """The `shebao undo --json` shape of a batch's undo: {"reverted", "kept"}."""
    stored = batch.undo_result or {}
    return {"reverted": stored.get("reverted", 0), "kept": stored.get("kept", [])}


# --- the request ----------------------------------------------------------------------


def request_undo(
    uow: UnitOfWork,
    batch_id: int,
    scope: int | None,
    actor: str,
    window: UndoWindow,
    now: dt.datetime | None = None,
) -> str:
    """Check the batch may be undone by this viewer (`scope`: the employer's id, None for a
    reviewer or the operator) and mark it running; returns its undo status ("running":
    to be run now, "done": undone already, nothing to do). Raises `UndoRefused`."""
    with uow:
        session = uow.session
        batch = visible_batch(session, batch_id, scope)
        if batch is None:
            raise UndoRefused(404, "batch_not_found", "批次不存在。请检查批次编号是否正确。")
        lock_employer(session, batch.employer_id)  # one request at a time per employer
        _durable(session)
        session.refresh(batch)
        if batch.undo_status in (RUNNING, DONE):
            return batch.undo_status
        check_undo(session, batch, window, now or utcnow())
        if batch.undo_status != FAILED:  # a failed run resumes with its progress
            batch.undo_result = Progress().stored(finished=False)
        batch.undo_status, batch.undone_by = RUNNING, actor[:40]
        uow.commit()
        return RUNNING


class NothingToUndo(UndoRefused):
    """Every row the batch still holds would be kept: undoing it would change nothing.
    `kept` is the rows and reasons (the confirmation page lists them)."""

    def __init__(self, kept: list[dict[str, Any]]):
        super().__init__(
            409,
            "nothing_to_undo",
            f"本批次的行都已被后来的申报或审核改变, 没有可以撤销的: {len(kept)} 行都要保留"
            "(原因见撤销确认页), 本批次没有任何改动。如需更正, 请另行申报。",
        )
        self.kept = kept


def check_undo(session: Session, batch: Batch, window: UndoWindow, now: dt.datetime) -> None:
    """Raise `UndoRefused` unless `batch` can be undone now: finished, holding applied or
    pending rows of a kind that can revert, within the window, and one row at least to
    revert or withdraw (`NothingToUndo` otherwise). Writes nothing: the confirmation page
    asks it before offering the undo, `request_undo` before marking."""
    _check_undoable(session, batch)
    check_window(session, batch, window, now)
    _check_something_to_undo(session, batch)


def _check_something_to_undo(session: Session, batch: Batch) -> None:
    """Refuse an undo that would revert nothing and withdraw nothing: it would mark the
    batch 已撤销 while every row stays as it is. Judges chunk by chunk and stops at the
    first row to undo; the chunks start small (100 rows, then ten times more up to
    `CHUNK_ROWS`), so the request for a batch just applied judges a hundred rows, not
    ten thousand, before it answers."""
    done = Progress.of(batch.undo_result) if batch.undo_status == FAILED else Progress()
    if done.reverted or done.withdrawn:
        return  # a failed run that undid rows already: it finishes and records them
    kept: list[dict[str, Any]] = []
    after, size = 0, FIRST_CHECK_ROWS
    while rows := read_chunk(session, batch.id, after, size):
        verdict = judge_chunk(session, batch, rows)
        if verdict.reverted or verdict.withdraw:
            return
        kept.extend(verdict.kept)
        after, size = rows[-1].row, min(size * 10, CHUNK_ROWS)
    raise NothingToUndo(kept)


def _held_counts(session: Session, batch_id: int) -> dict[str, int]:
    rows = session.execute(
        text(
            "SELECT status, COUNT(*) FROM declarations WHERE batch_id = :b "
            "AND status IN ('applied', 'pending_review', 'approved') GROUP BY status"
        ),
        {"b": batch_id},
    ).all()
    return {status: n for status, n in rows}


def _check_undoable(session: Session, batch: Batch) -> None:
    if batch.status != "done":
        busy = batch.status in ("queued", "running")
        message = (
            f"批次 #{batch.id} 还在处理中, 处理完成后才能撤销。"
            if busy
            else f"批次 #{batch.id} 处理失败, 没有申报任何内容, 无需撤销。"
        )
        raise UndoRefused(409, "batch_not_done" if busy else "nothing_applied", message)
    held = _held_counts(session, batch.id)
    if not held:
        what = "只校验不申报, " if (batch.options or {}).get("dry_run") else ""
        raise UndoRefused(
            409, "nothing_applied",
            f"批次 #{batch.id} {what}没有已申报或待审核的行, 无需撤销。",
        )  # fmt: skip
    kind = get_kind(batch.kind or "")
    if held.get("applied") and kind.revert is None:
        raise UndoRefused(
            409, "not_revertible",
            f"「{kind.title}」的已申报行暂时无法撤销(系统缺少这类申报的撤销方法), "
            "本批次没有任何改动。请联系系统管理员。",
        )  # fmt: skip


# --- the run ---------------------------------------------------------------------------


def run_undo(uow: UnitOfWork, batch_id: int, chunk_rows: int = CHUNK_ROWS) -> dict[str, Any]:
    """Undo a batch marked running by `request_undo`, chunk by chunk (resuming where a
    killed run stopped); returns {"reverted", "kept"}. A batch undone already: its result."""
    while True:
        with uow:
            session = uow.session
            batch = session.get(Batch, batch_id)
            if batch is None or batch.undo_status != RUNNING:
                return result_of(batch) if batch is not None else {"reverted": 0, "kept": []}
            lock_employer(session, batch.employer_id)
            session.refresh(batch)  # another runner may have moved on while we waited
            if batch.undo_status != RUNNING:
                continue
            progress = Progress.of(batch.undo_result)
            rows = read_chunk(session, batch_id, progress.after_row, chunk_rows)
            if not rows:
                _durable(session)
                _finish(session, batch, progress)
                uow.commit()
                return result_of(batch)
            verdict = judge_chunk(session, batch, rows)
            _write_chunk(session, batch, verdict)
            progress.after_row = rows[-1].row
            progress.reverted += verdict.reverted
            progress.withdrawn += len(verdict.withdraw)
            progress.kept.extend(verdict.kept)
            batch.undo_result = progress.stored(finished=False)
            uow.commit()


def _durable(session: Session) -> None:
    # lock_employer lets a chunk's commit skip the flush to disk (a chunk lost in a crash
    # is done again on resume); the request and the last step tell a person it is done.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = on"))


def _write_chunk(session: Session, batch: Batch, verdict: ChunkVerdict) -> None:
    """Put back the reverted rows, withdraw the pending ones, fix the batch's counts."""
    kind = get_kind(batch.kind or "")
    if verdict.revert:
        if kind.revert is None:  # request_undo refuses such a batch: this is a bug
            raise RuntimeError(f"kind {kind.name} applied rows but has no revert")
        rows = payload_frame(verdict.revert)
        rows["_before"] = [r.before for r in verdict.revert]
        write_all(session, kind.revert(rows, Target(batch.employer_id, batch.id, frozenset())))
        _set_status(session, [r.id for r in verdict.revert], "undone")
        batch.applied = max(0, batch.applied - len(verdict.revert))
    if verdict.revert_approved:
        _revert_approved(session, batch, verdict.revert_approved)
    for r in verdict.withdraw:
        _withdraw(session, r, batch.undone_by or "")
    batch.pending_review = max(0, batch.pending_review - len(verdict.withdraw))


def _revert_approved(session: Session, batch: Batch, rows: list[HeldRow]) -> None:
    """Take back approvals (the kind's `undo_approved`, which `judge_chunk` checked)."""
    undo = get_kind(batch.kind or "").undo_approved
    assert undo is not None  # judge_chunk reverts approved rows only with it
    target = Target(batch.employer_id, batch.id, frozenset())
    write_all(session, undo.revert(approval_frame(rows), target))
    _set_status(session, [r.id for r in rows], "undone")
    batch.applied = max(0, batch.applied - len(rows))


def _set_status(session: Session, ids: list[int], status: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        match, param = "id = ANY(:ids)", ids
    else:
        import json

        match, param = "id IN (SELECT value FROM json_each(:ids))", json.dumps(ids)  # type: ignore[assignment]
    session.execute(
        text(f"UPDATE declarations SET status = :s WHERE {match}"), {"s": status, "ids": param}
    )


def _withdraw(session: Session, row: HeldRow, actor: str) -> None:
    """Withdraw a declaration pending review, as the desk's 撤回 does (the kind's hook
    takes back what it wrote beside it, e.g. the pending injury)."""
    found = session.get(Declaration, row.id)
    assert found is not None
    hook = get_kind(found.kind).withdraw
    if hook is not None:
        hook(session, found)
    found.status = "withdrawn"
    session.merge(
        DeclarationReview(
            declaration_id=found.id, decision="withdrawn", actor=actor[:40],
            reason=WITHDRAWN_REASON, result=None, decided_at=utcnow(),
        )
    )  # fmt: skip


def _finish(session: Session, batch: Batch, progress: Progress) -> None:
    batch.undo_status, batch.undone_at = DONE, utcnow()
    batch.undo_result = progress.stored(finished=True)
    # The stored workbooks list rows as they were: the next download rebuilds them.
    session.execute(delete(BatchReport).where(BatchReport.batch_id == batch.id))
    session.add(
        AuditEntry(
            actor=batch.undone_by,
            employer_id=batch.employer_id,
            action="batch_undone",
            detail={
                "batch": batch.id, "kind": batch.kind, "reverted": progress.reverted,
                "kept": len(progress.kept), "withdrawn": progress.withdrawn,
            },
        )
    )  # fmt: skip


# --- what an undo would do ----------------------------------------------------------


@dataclass
class UndoPreview:
    """What undoing a batch now would do (the confirmation step shows it)."""

    reverted: int = 0
    withdrawn: int = 0
    kept: list[dict[str, Any]] = field(default_factory=list)


def preview_undo(uow: UnitOfWork, batch_id: int, chunk_rows: int = CHUNK_ROWS) -> UndoPreview:
    """The undo's judgement of every row as the registry stands now, writing nothing."""
    out = UndoPreview()
    with uow:
        session = uow.session
        batch = session.get(Batch, batch_id)
        if batch is None:
            return out
        after = 0
        while rows := read_chunk(session, batch_id, after, chunk_rows):
            verdict = judge_chunk(session, batch, rows)
            out.reverted += verdict.reverted
            out.withdrawn += len(verdict.withdraw)
            out.kept.extend(verdict.kept)
            after = rows[-1].row
    return out
