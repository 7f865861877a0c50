"""`run_batch`: the whole import of one stored upload, resumable and idempotent.

read → locate table → normalise + validate → registry checks → apply in chunks → record.
A batch interrupted anywhere can be run again: rows it already applied are recognised by
their natural key and counted as applied, never written twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from importer import record
from importer.apply import PLANNERS, Target, Write, lock_employer, write_all
from importer.context import rule_context
from importer.errors import FileRejected
from importer.evaluate import SheetVerdict, evaluate_sheet
from importer.layout import SheetTable, locate_table
from importer.prefetch import RegistryPrefetch
from importer.reader import read_workbook
from importer.registry_checks import RegistryVerdict, check_against_registry
from registry.models import Batch, BatchIssue, Declaration, Employer, utcnow
from registry.uow import UnitOfWork
from validators.errors import RowError


@dataclass
class Outcome:
    """Statuses per Excel row and how long each phase took."""

    status: dict[int, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    issues: list[RowError] = field(default_factory=list)
    rejected_file: FileRejected | None = None
    # The sheet as read, when the caller asked to keep it (to build the reports without
    # reading the file again); None otherwise, so its memory goes as soon as validated.
    table: SheetTable | None = None


def run_batch(
    batch_id: int,
    uow: UnitOfWork,
    chunk_rows: int | None = None,
    max_rows: int | None = None,
    today: dt.date | None = None,
    keep_table: bool = False,
) -> Outcome:
    """Process stored batch `batch_id` to the end (a finished batch is left as it is).

    With `keep_table` the outcome holds the sheet as read, for `prepare_reports`."""
    chunk_rows, max_rows = _limits(chunk_rows, max_rows)
    outcome = Outcome()
    with uow:
        batch = uow.session.get(Batch, batch_id)
        if batch is None or batch.status == "done":
            return outcome
        employer = uow.session.get(Employer, batch.employer_id)
        assert employer is not None  # a foreign key guarantees it
        _start(uow, batch)
        ctx = rule_context(uow.session, employer.code, today)
        clock = _Clock(outcome)
        try:
            book = clock.run("read", read_workbook, batch.file_bytes, batch.file_name)
            table = clock.run(
                "locate", locate_table, book, (batch.options or {}).get("kind"), max_rows
            )
        except FileRejected as exc:
            record.reject_file(uow, batch, exc)
            outcome.rejected_file = exc
            return outcome
        record.set_phase(uow, batch, "validating", kind=table.kind, total=len(table.rows))
        prefetch = RegistryPrefetch(uow, batch.employer_id)
        try:
            verdict = clock.run("validate", evaluate_sheet, table, ctx, prefetch.start)
            outcome.table = table if keep_table else None
            del book, table  # unless kept, the raw cells go now; reports re-read the file
            _process(uow, batch, verdict, ctx, chunk_rows, clock, outcome, prefetch.result())
        finally:
            prefetch.close()
    return outcome


def _limits(chunk_rows: int | None, max_rows: int | None) -> tuple[int, int]:
    if chunk_rows and max_rows:
        return chunk_rows, max_rows
    from shebao.settings import load_settings

    settings = load_settings()
    return chunk_rows or settings.chunk_rows, max_rows or settings.max_rows


class _Clock:
    """Times each phase into the outcome (the benchmark reads these figures)."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome

    def run(self, phase: str, fn, *args):
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.outcome.timings[phase] = (
                self.outcome.timings.get(phase, 0.0) + time.perf_counter() - start
            )


def _start(uow: UnitOfWork, batch: Batch) -> None:
    """Mark running and forget what an interrupted earlier run left, except applied rows."""
    session = uow.session
    session.execute(delete(BatchIssue).where(BatchIssue.batch_id == batch.id))
    session.execute(
        delete(Declaration).where(Declaration.batch_id == batch.id, Declaration.status != "applied")
    )
    batch.status, batch.phase, batch.started_at = "running", "reading", batch.started_at or utcnow()
    batch.error_code = batch.error_message = None
    uow.commit()


def _process(
    uow, batch, verdict: SheetVerdict, ctx, chunk_rows, clock, outcome, prefetched
) -> None:
    session, opts = uow.session, batch.options or {}
    record.set_phase(uow, batch, "checking")
    # The prefetch read the sequence before the state: any write after that moment shows
    # up as a changed sequence when a chunk is applied.
    seen, read = _Sequence(prefetched[0]), prefetched[1]
    judged = clock.run(
        "registry",
        check_against_registry,
        session,
        verdict.kind,
        verdict.df,
        verdict.candidates(),
        verdict.keys,
        batch.employer_id,
        batch.id,
        ctx,
        verdict.letters,
        read,
    )
    verdict.issues.extend(judged.errors)
    status = _initial_status(verdict, judged)
    to_apply = _in_key_order(verdict, [r for r, s in status.items() if s == "pending"])
    if opts.get("dry_run"):
        status.update({r: "valid" for r in to_apply})
    elif opts.get("all_or_nothing") and any(s == "rejected" for s in status.values()):
        verdict.issues.extend(record.held_back(to_apply, verdict.letters))
        status.update({r: "rejected" for r in to_apply})
    else:
        record.set_phase(uow, batch, "applying", done=len(status) - len(to_apply))
        clock.run(
            "apply",
            _apply_chunks,
            uow, batch, verdict, ctx, to_apply, chunk_rows, status, seen, judged.registered,
        )  # fmt: skip
    outcome.status, outcome.issues = status, verdict.issues
    clock.run("record", record.finish, uow, batch, verdict, status)


def _in_key_order(verdict: SheetVerdict, rows: list[int]) -> list[int]:
    """`rows` ordered by natural key, so by ID number: each chunk then writes to
    neighbouring pages of the indexes keyed by ID, which loads a large sheet about a
    fifth faster than sheet order. Outcomes are per row, so the order is invisible."""
    return verdict.keys.loc[rows].sort_values(kind="stable").index.tolist()


def _initial_status(verdict: SheetVerdict, judged) -> dict[int, str]:
    bad = verdict.error_rows
    status: dict[int, str] = {}
    for row in verdict.df.index:
        if row in bad:
            status[row] = "rejected"
        elif row in judged.mine:
            status[row] = "applied"
        elif row in judged.unchanged:
            status[row] = "unchanged"
        else:
            status[row] = "pending"
    return status


@dataclass
class _Sequence:
    """The employer's write sequence as this batch last knew it."""

    value: int


def _apply_chunks(
    uow, batch, verdict, ctx, rows: list[int], chunk_rows: int, status, seen, registered
) -> None:
    chunks = [pd.Index(rows[s : s + chunk_rows]) for s in range(0, len(rows), chunk_rows)]
    if not chunks:
        return
    plan = _Planner(verdict, record.BatchRef(batch.id, batch.employer_id), registered)
    # Plan chunk n + 1 on a second thread while chunk n is written: the database works
    # on one core while Python builds the next rows on the other (the GIL is free while
    # this thread waits for the server).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shebao-plan") as planner:
        upcoming = planner.submit(plan, chunks[0])
        for n, chunk in enumerate(chunks):
            planned = upcoming.result()
            if n + 1 < len(chunks):
                upcoming = planner.submit(plan, chunks[n + 1])
            for attempt in range(3):
                try:
                    _apply_chunk(
                        uow, batch, verdict, ctx, chunk, status, seen, planned, plan, attempt > 0
                    )
                    break
                except IntegrityError:
                    # Another batch applied one of these keys between our check and write:
                    # roll back and judge the chunk again; the re-check sees their rows.
                    uow.rollback()
                    if attempt == 2:
                        raise


class _Planner:
    """Turns rows of the sheet into the writes that apply them (no database access)."""

    def __init__(self, verdict: SheetVerdict, batch: record.BatchRef, registered: frozenset[str]):
        self.verdict, self.batch, self.registered = verdict, batch, registered
        # The messages of rows that get applied are final before applying starts: a
        # late re-check only ever rejects rows, and rejected rows are not planned here.
        self.messages = record.messages_by_row(verdict)

    def __call__(
        self, rows: Sequence[int], registered: frozenset[str] | None = None
    ) -> list[Write]:
        verdict, batch = self.verdict, self.batch
        frame = verdict.df.loc[list(rows)]
        known = self.registered if registered is None else registered
        target = Target(batch.employer_id, batch.id, known)
        return [
            *PLANNERS[verdict.kind](frame, target),
            record.plan_declarations(batch, verdict, rows, "applied", self.messages),
        ]


def _apply_chunk(
    uow,
    batch,
    verdict: SheetVerdict,
    ctx,
    chunk: pd.Index,
    status,
    seen,
    planned,
    plan,
    force_check: bool,
) -> None:
    session = uow.session
    sequence = lock_employer(session, batch.employer_id)
    again = None
    if force_check or sequence != seen.value + 1:
        # Someone else wrote this employer's rows since we judged them: judge this chunk
        # again, under the lock, so what we apply cannot contradict what they applied.
        again = check_against_registry(
            session,
            verdict.kind,
            verdict.df,
            chunk,
            verdict.keys,
            batch.employer_id,
            batch.id,
            ctx,
            verdict.letters,
        )
    if again is None:
        write_all(session, planned)
        again = RegistryVerdict()
    else:
        # The registry moved since the plan was made: plan again from what it holds now.
        late = {e.row for e in again.errors} | again.unchanged | again.mine
        write_all(session, plan([r for r in chunk if r not in late], again.registered))
    late_errors = {e.row for e in again.errors}
    batch.progress_done += len(chunk)
    uow.commit()
    seen.value = sequence
    # Only after the commit: a rolled-back attempt must leave no trace in memory either.
    verdict.issues.extend(again.errors)
    for r in chunk:
        status[r] = (
            "rejected" if r in late_errors else "unchanged" if r in again.unchanged else "applied"
        )
