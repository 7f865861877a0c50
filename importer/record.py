"""Recording a batch's outcome: phases and progress, declarations per row, the flat issue
list the pages filter, the counts, and whole-file rejections."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from importer.apply import Insert, columns
from importer.kinds import get_kind
from importer.preview import REJECTED, UNCHANGED, RowLooks
from registry.batch_queries import tally_issues
from registry.bulk import analyze, as_json, db_now, insert_rows
from registry.models import AuditEntry, Batch, utcnow
from registry.uow import UnitOfWork
from validators.errors import RowError

DECLARATION_COLUMNS = [
    "batch_id", "employer_id", "excel_row", "kind", "id_number", "natural_key", "payload",
    "status", "errors", "warnings", "created_at", "action", "changes", "before",
]  # fmt: skip
# The action of rows whose status says it (the others' comes from `importer.preview`).
ACTION_OF_STATUS = {"rejected": REJECTED, "unchanged": UNCHANGED}
ISSUE_COLUMNS = [
    "batch_id",
    "excel_row",
    "column",
    "letter",
    "value",
    "code",
    "message",
    "severity",
]
HELD_BACK = "本批次选择了「全部正确才申报」, 因表中其他行有错误, 本行没有申报。请修改有错误的行后, 把整张表重新上传。"


class BatchRef(NamedTuple):
    """What a declaration needs of its batch, safe to hand to another thread."""

    id: int
    employer_id: int


def set_phase(
    uow: UnitOfWork,
    batch: Batch,
    phase: str,
    kind: str | None = None,
    total: int | None = None,
    done: int | None = None,
) -> None:
    """Show the user where the batch is (committed at once so pages see it)."""
    batch.phase = phase
    if kind:
        batch.kind = kind
    if total is not None:
        batch.rows = batch.progress_total = total
    if done is not None:
        batch.progress_done = done
    uow.commit()


def reject_file(uow: UnitOfWork, batch: Batch, exc) -> None:
    """Record that the file as a whole cannot be imported."""
    batch.status, batch.phase = "failed", "done"
    batch.error_code, batch.error_message = exc.code, exc.message
    batch.error_detail = getattr(exc, "detail", None) or None
    batch.finished_at = utcnow()
    uow.session.add(
        AuditEntry(
            actor=batch.created_by,
            employer_id=batch.employer_id,
            action="batch_rejected",
            detail={"batch": batch.id, "code": exc.code},
        )
    )
    uow.commit()


# Declarations planned and written at a time when a batch is recorded.
RECORD_SLICE_ROWS = 10_000


def held_back(rows: list[int], letters: dict[str, str]) -> list[RowError]:
    """The error of valid rows not applied because the upload was all-or-nothing."""
    return [RowError(r, None, None, "", "held_back", HELD_BACK, "error") for r in rows]


def _row_messages(issues: list[RowError]) -> tuple[dict, dict]:
    errors: defaultdict[int, list] = defaultdict(list)
    warnings: defaultdict[int, list] = defaultdict(list)
    for e in issues:
        if e.row is None:
            continue
        target = errors if e.severity == "error" else warnings
        target[e.row].append({"column": e.column, "code": e.code, "message": e.message})
    return errors, warnings


def messages_by_row(verdict) -> tuple[dict, dict]:
    """`_row_messages` of the verdict, kept until its issue list grows (it is asked for
    once per chunk, and a sheet can carry tens of thousands of warnings)."""
    cached = verdict.messages_cache
    if cached is None or cached[0] != len(verdict.issues):
        cached = verdict.messages_cache = (len(verdict.issues), _row_messages(verdict.issues))
    return cached[1]


def plan_declarations(
    batch: BatchRef,
    verdict,
    rows: Sequence[int],
    status: str,
    messages: tuple[dict, dict],
    looks: RowLooks | None = None,
) -> Insert:
    """One declaration per row of `rows`, with its payload, status, messages and what it
    changes (`looks`: action, changes, before-image; see importer.preview), with no
    database access: the pipeline plans on another thread while it writes."""
    errors, warnings = messages
    looks = looks or RowLooks()
    fixed_action = ACTION_OF_STATUS.get(status)
    # Only an applied row's before-image is kept: it is what undo puts back.
    befores = looks.before if status == "applied" else {}
    frame = verdict.df.loc[list(rows)]
    names = list(frame.columns)
    payloads = [
        dict(zip(names, values, strict=True))
        for values in zip(*columns(frame, *names), strict=True)
    ]
    keys = verdict.keys.loc[list(rows)].tolist()
    now = db_now()
    # The person's ID number, or none for a kind whose subject is not a person.
    id_column = get_kind(verdict.kind).id_column
    records = [
        (batch.id, batch.employer_id, int(row), verdict.kind,
         (payload[id_column] or None) if id_column else None,
         key, as_json(_plain(payload)), status,
         as_json(errors[row]) if row in errors else None,
         as_json(warnings[row]) if row in warnings else None, now,
         fixed_action or looks.action.get(row),
         as_json(looks.changes[row]) if row in looks.changes and not fixed_action else None,
         as_json(befores[row]) if row in befores else None)
        for row, payload, key in zip(rows, payloads, keys, strict=True)
    ]  # fmt: skip
    return Insert("declarations", DECLARATION_COLUMNS, records)


def insert_declarations(
    session, batch: Batch, verdict, rows: list[int], status: str, looks: RowLooks | None = None
) -> None:
    """One declaration per row of `rows`, written now, a slice at a time: planned all at
    once, 100,000 rejected rows' payloads and messages as JSON held 300 MB at the peak."""
    if rows:
        ref = BatchRef(batch.id, batch.employer_id)
        messages = messages_by_row(verdict)
        for start in range(0, len(rows), RECORD_SLICE_ROWS):
            part = rows[start : start + RECORD_SLICE_ROWS]
            plan_declarations(ref, verdict, part, status, messages, looks).run(session)


def _plain(payload: dict) -> dict:
    """Payload without our helper columns' numpy types."""
    if "_clamped" in payload:  # the payload is this row's own dict: changed in place
        payload["_clamped"] = bool(payload["_clamped"])
    return payload


def finish(
    uow: UnitOfWork,
    batch: Batch,
    verdict,
    status: dict[int, str],
    looks: RowLooks | None = None,
) -> None:
    """Declarations of the rows not applied (a preview's `valid` rows with what they would
    change), the issue list, counts; status done."""
    session = uow.session
    by_status = defaultdict(list)
    for row, s in status.items():
        by_status[s].append(row)
    for s in ("rejected", "unchanged", "valid"):
        insert_declarations(session, batch, verdict, by_status[s], s, looks)
    insert_rows(session, "batch_issues", ISSUE_COLUMNS, [
        (batch.id, e.row, e.column, e.letter, e.value, e.code, e.message, e.severity)
        for e in sorted(verdict.issues, key=lambda e: (e.row or 0, e.letter or ""))
    ])  # fmt: skip
    batch.issue_counts = tally_issues(verdict.issues)
    batch.applied = len(by_status["applied"])
    batch.rejected = len(by_status["rejected"])
    batch.unchanged = len(by_status["unchanged"])
    batch.pending_review = len(by_status["pending_review"])
    batch.warnings = sum(1 for e in verdict.issues if e.severity == "warning")
    batch.progress_done = batch.progress_total
    batch.status, batch.phase, batch.finished_at = "done", "done", utcnow()
    session.add(
        AuditEntry(
            actor=batch.created_by,
            employer_id=batch.employer_id,
            action="batch_done",
            detail={
                "batch": batch.id,
                "applied": batch.applied,
                "rejected": batch.rejected,
                "unchanged": batch.unchanged,
                "pending_review": batch.pending_review,
            },
        )
    )
    uow.commit()


# A batch this large moves its tables' statistics enough to re-sample them (see analyze).
ANALYZE_FROM_ROWS = 10_000


def refresh_statistics(uow: UnitOfWork, batch_id: int) -> bool:
    """After a large batch is recorded: the tables it filled sampled again, so its pages
    are planned for what they hold (autovacuum would, a minute or so later). Whether it ran."""
    with uow:
        batch = uow.session.get(Batch, batch_id)
        if batch is None or (batch.rows or 0) < ANALYZE_FROM_ROWS:
            return False
        analyze(uow.session, ["declarations", "batch_issues"])
        uow.commit()
        return True
