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
from importer.apply import Target, Write, lock_employer, write_all
from importer.confirm import PREVIEWED, Snapshot
from importer.context import rule_context
from importer.errors import FileRejected
from importer.evaluate import SheetVerdict, evaluate_sheet
from importer.kinds import get_kind
from importer.kinds.base import Judgement
from importer.layout import SheetTable, locate_table
from importer.prefetch import RegistryPrefetch
from importer.preview import RowLooks, looks_of
from importer.reader import read_workbook
from importer.registry_checks import (
    RegistryRead,
    RegistryVerdict,
    SheetJob,
    check_against_registry,
)
from importer.sandbox import ReaderLimits
from registry.header_maps import remembered
from registry.models import Batch, BatchIssue, Declaration, Employer, utcnow
from registry.uow import UnitOfWork
from validators.context import RuleContext
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
    reader_limits: ReaderLimits | None = None,
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
            book = clock.run(
                "read", read_workbook, batch.file_bytes, batch.file_name, max_rows, reader_limits
            )
            kind = (batch.options or {}).get("kind")
            mappings = remembered(uow.session, batch.employer_id)
            table = clock.run("locate", locate_table, book, kind, max_rows, mappings)
        except FileRejected as exc:
            record.reject_file(uow, batch, exc)
            outcome.rejected_file = exc
            return outcome
        record.set_phase(uow, batch, "validating", kind=table.kind, total=len(table.rows))
        prefetch = RegistryPrefetch(uow, batch.employer_id, get_kind(table.kind))
        try:
            verdict = clock.run("validate", evaluate_sheet, table, ctx, prefetch.start)
            outcome.table = table if keep_table else None
            del book, table  # unless kept, the raw cells go now; reports re-read the file
            run = _BatchRun(uow, batch, verdict, ctx, chunk_rows, clock, outcome)
            run.process(*prefetch.result())
        finally:
            prefetch.close()
    return outcome


# What the callers' settings default to (SHEBAO_CHUNK_ROWS, SHEBAO_MAX_ROWS): entry points
# read the settings once and pass them down; the importer never reads the environment.
DEFAULT_CHUNK_ROWS = 10_000
DEFAULT_MAX_ROWS = 300_000


def _limits(chunk_rows: int | None, max_rows: int | None) -> tuple[int, int]:
    return chunk_rows or DEFAULT_CHUNK_ROWS, max_rows or DEFAULT_MAX_ROWS


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
        delete(Declaration).where(
            Declaration.batch_id == batch.id,
            # A confirmation's snapshot of its preview stays until it finishes (confirm).
            Declaration.status.notin_(("applied", "pending_review", PREVIEWED)),
        )
    )
    batch.status, batch.phase, batch.started_at = "running", "reading", batch.started_at or utcnow()
    batch.error_code = batch.error_message = batch.error_detail = None
    batch.issue_counts = None  # counted again with the issues this run records
    uow.commit()


@dataclass
class _BatchRun:
    """One batch between validation and its recorded outcome: judging against the
    registry, applying in chunks, recording."""

    uow: UnitOfWork
    batch: Batch
    verdict: SheetVerdict
    ctx: RuleContext
    chunk_rows: int
    clock: _Clock
    outcome: Outcome
    status: dict[int, str] = field(default_factory=dict)
    # The employer's write sequence as this batch last knew it.
    seen: int = 0
    # What each row going ahead changes, and its before-image (importer.preview).
    looks: RowLooks = field(default_factory=RowLooks)

    @property
    def job(self) -> SheetJob:
        """The sheet as the registry checks see it."""
        v, b = self.verdict, self.batch
        return SheetJob(get_kind(v.kind), v.df, v.keys, v.letters, b.employer_id, b.id, self.ctx)

    def process(self, seen: int, read: RegistryRead) -> None:
        """Judge, apply (unless a dry run or held back), record."""
        uow, batch, verdict = self.uow, self.batch, self.verdict
        opts = batch.options or {}
        record.set_phase(uow, batch, "checking")
        snapshot = Snapshot.load(uow.session, batch)  # what a confirmed preview showed
        # The prefetch read the sequence before the state: any write after that moment
        # shows up as a changed sequence when a chunk is applied.
        self.seen = seen
        job = self.job
        judged = self.clock.run(
            "registry", check_against_registry, uow.session, job, verdict.candidates(), read
        )
        verdict.issues.extend(judged.errors + judged.warnings)
        self.status = _initial_status(verdict, judged)
        pending = _in_key_order(verdict, [r for r, s in self.status.items() if s == "pending"])
        self.looks = self.clock.run("registry", self._looks_of, pending, read.state)
        review = _review_rows(job, pending + sorted(judged.mine), read, self.ctx)
        self.status.update({r: "pending_review" for r in judged.mine & review})
        if opts.get("dry_run"):
            self.status.update({r: "valid" for r in pending})
        elif opts.get("all_or_nothing") and any(s == "rejected" for s in self.status.values()):
            verdict.issues.extend(record.held_back(pending, verdict.letters))
            self.status.update({r: "rejected" for r in pending})
        else:
            _progress_made(batch)  # committed with the phase
            record.set_phase(uow, batch, "applying", done=len(self.status) - len(pending))
            self.clock.run("apply", self._apply_chunks, pending, judged.registered, review)
        if snapshot is not None:
            snapshot.finish(uow.session, verdict, self.status, self.looks)
        self.outcome.status, self.outcome.issues = self.status, verdict.issues
        self.clock.run("record", record.finish, uow, batch, verdict, self.status, self.looks)

    def _looks_of(self, rows: Sequence[int], state) -> RowLooks:
        """What `rows` change, judged on `state` (what the registry checks read)."""
        v, kind = self.verdict, get_kind(self.verdict.kind)
        judgement = Judgement(
            v.df.loc[list(rows)], state, self.batch.employer_id, self.ctx, v.letters
        )
        return looks_of(kind, judgement)

    def _apply_chunks(self, rows: list[int], registered: frozenset[str], review: set[int]) -> None:
        size = self.chunk_rows
        chunks = [pd.Index(rows[s : s + size]) for s in range(0, len(rows), size)]
        if not chunks:
            return
        ref = record.BatchRef(self.batch.id, self.batch.employer_id)
        plan = _Planner(self.verdict, ref, registered, review, self.looks)
        # Plan chunk n + 1 on a second thread while chunk n is written: the database works
        # on one core while Python builds the next rows on the other (the GIL is free while
        # this thread waits for the server).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shebao-plan") as planner:
            upcoming = planner.submit(plan, chunks[0])
            for n, chunk in enumerate(chunks):
                planned = upcoming.result()
                if n + 1 < len(chunks):
                    upcoming = planner.submit(plan, chunks[n + 1])
                self._apply_with_retries(chunk, planned, plan)

    def _apply_with_retries(self, chunk: pd.Index, planned: list[Write], plan: _Planner) -> None:
        for attempt in range(3):
            try:
                self._apply_chunk(chunk, planned, plan, force_check=attempt > 0)
                return
            except IntegrityError:
                # Another batch applied one of these keys between our check and write:
                # roll back and judge the chunk again; the re-check sees their rows.
                self.uow.rollback()
                if attempt == 2:
                    raise

    def _apply_chunk(
        self, chunk: pd.Index, planned: list[Write], plan: _Planner, force_check: bool
    ) -> None:
        uow, batch = self.uow, self.batch
        sequence = lock_employer(uow.session, batch.employer_id)
        again = None
        if force_check or sequence != self.seen + 1:
            # Someone else wrote this employer's rows since we judged them: judge this
            # chunk again, under the lock, so what we apply cannot contradict theirs.
            again = check_against_registry(uow.session, self.job, chunk)
        if again is None:
            write_all(uow.session, planned)
            again = RegistryVerdict()
        else:
            # The registry moved since the plan was made: plan again from what it holds now,
            # with the before-images read now (what undo must put back is what we change).
            late = again.rows_in_error() | again.unchanged | again.mine
            going = [r for r in chunk if r not in late]
            self.looks.update(self._looks_of(going, again.state))
            write_all(uow.session, plan(going, again.registered))
        batch.progress_done += len(chunk)
        _progress_made(batch)
        uow.commit()
        self.seen = sequence
        # Only after the commit: a rolled-back attempt must leave no trace in memory either.
        self.verdict.issues.extend(again.errors)
        late_errors = again.rows_in_error()
        for r in chunk:
            self.status[r] = (
                "rejected"
                if r in late_errors
                else "unchanged"
                if r in again.unchanged
                else plan.status_of(r)
            )


def _progress_made(batch: Batch) -> None:
    """This run got past validation, or committed rows: the runs of this batch that died
    before (a worker killed by an operator, a deploy, the OOM killer for another reason)
    are not the batch's fault. The worker fails a batch only after runs that died without
    any progress between them (see worker.tasks, `attempts`): a poison batch dies at the
    same place every time."""
    batch.attempts = min(batch.attempts or 0, 1)


def _in_key_order(verdict: SheetVerdict, rows: list[int]) -> list[int]:
    """`rows` ordered by natural key, so by ID number: each chunk then writes to
    neighbouring pages of the indexes keyed by ID, which loads a large sheet about a
    fifth faster than sheet order. Outcomes are per row, so the order is invisible."""
    return verdict.keys.loc[rows].sort_values(kind="stable").index.tolist()


def _initial_status(verdict: SheetVerdict, judged: RegistryVerdict) -> dict[int, str]:
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


def _review_rows(job: SheetJob, rows: list[int], read: RegistryRead, ctx) -> set[int]:
    """Which of the valid `rows` the kind sends to an agency reviewer instead of applying."""
    if not rows:
        return set()
    judgement = Judgement(job.df.loc[rows], read.state, job.employer_id, ctx, job.letters)
    flags = job.kind.review(judgement)
    return set(flags.index[flags.astype(bool)])


class _Planner:
    """Turns rows of the sheet into the writes that apply them (no database access).
    Rows going to review are only declared (pending_review); the others are applied."""

    def __init__(
        self,
        verdict: SheetVerdict,
        batch: record.BatchRef,
        registered: frozenset[str],
        review: set[int],
        looks: RowLooks,
    ):
        self.verdict, self.batch, self.registered = verdict, batch, registered
        self.review, self.looks = review, looks
        self.kind = get_kind(verdict.kind)
        # The messages of rows that get applied are final before applying starts: a
        # late re-check only ever rejects rows, and rejected rows are not planned here.
        self.messages = record.messages_by_row(verdict)

    def status_of(self, row: int) -> str:
        """The declaration status a planned row gets."""
        return "pending_review" if row in self.review else "applied"

    def __call__(
        self, rows: Sequence[int], registered: frozenset[str] | None = None
    ) -> list[Write]:
        verdict, batch = self.verdict, self.batch
        applied = [r for r in rows if r not in self.review]
        reviewed = [r for r in rows if r in self.review]
        known = self.registered if registered is None else registered
        target = Target(batch.employer_id, batch.id, known)
        writes: list[Write] = []
        if applied:
            writes.extend(self.kind.plan(verdict.df.loc[applied], target))
            writes.append(
                record.plan_declarations(
                    batch, verdict, applied, "applied", self.messages, self.looks
                )
            )
        if reviewed:
            writes.append(
                record.plan_declarations(
                    batch, verdict, reviewed, "pending_review", self.messages, self.looks
                )
            )
            # After the declarations: what the kind writes beside them may point to them.
            writes.extend(self.kind.declare(verdict.df.loc[reviewed], target))
        return writes
