"""Read-only queries about batches: the one read layer of the web pages, the API and the
command line.

Every batch lookup takes the viewer's employer id; `None` means an agency reviewer (or
the command line), who sees every employer. Pages of issues and declarations are counted
and sliced in the database, so a sheet of 300,000 rows never loads whole into a page.
A batch read here never carries its stored upload (up to 30 MB): `file_bytes` is
deferred on the model, and raises if anything here touched it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, defer

from registry.models import ISSUE_SHEET_ORDER, Batch, BatchIssue, Declaration, Employer

T = TypeVar("T")
# Ids are 32-bit integers in the database; a larger one names no batch.
MAX_ID = 2**31 - 1
_LETTER = re.compile(r"^[A-Za-z]{1,3}$")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list, with what a pager needs."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one, so an empty list still has page 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.page < self.pages


def page_of(items: list[T], page: int, per_page: int) -> Page[T]:
    """One page of a list already in memory (past the end: the last page)."""
    last = max(1, -(-len(items) // per_page))
    page = min(max(1, page), last)
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], len(items), page, per_page)


def _count(session: Session, stmt: Select) -> int:
    # count(*) over the statement's own tables and filters: a subquery of the whole row
    # would list every column, the stored upload of each batch among them.
    counting = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return session.scalar(counting) or 0


def _paged(
    session: Session, stmt: Select, page: int, per_page: int, total: int | None = None
) -> Page:
    """A page of `stmt`; `total`, when the caller knows how many rows match, saves the count."""
    total = _count(session, stmt) if total is None else total
    last = max(1, -(-total // per_page))
    # A page number past the end (a stale link after a filter) shows the last page.
    page = min(max(1, page), last)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


def employer_names(session: Session, employer_ids: set[int]) -> dict[int, str]:
    """Employer id → `name (code)`, for lists that show several employers (reviewers)."""
    if not employer_ids:
        return {}
    rows = session.execute(
        select(Employer.id, Employer.name, Employer.code).where(Employer.id.in_(employer_ids))
    )
    return {eid: f"{name}({code})" for eid, name, code in rows}


def _batches() -> Select:
    # raiseload: a page that reached for the stored file would fail its tests, not load it.
    return select(Batch).options(defer(Batch.file_bytes, raiseload=True))


def visible_batch(session: Session, batch_id: int, employer_id: int | None) -> Batch | None:
    """The batch when the viewer may see it, else None (missing and foreign look alike)."""
    if not 0 < batch_id <= MAX_ID:
        return None
    stmt = _batches().where(Batch.id == batch_id)
    if employer_id is not None:
        stmt = stmt.where(Batch.employer_id == employer_id)
    return session.scalar(stmt)


def _newest_first(employer_id: int | None) -> Select:
    stmt = _batches().order_by(Batch.created_at.desc(), Batch.id.desc())
    return stmt if employer_id is None else stmt.where(Batch.employer_id == employer_id)


def batches_slice(
    session: Session, employer_id: int | None, offset: int, limit: int
) -> tuple[list[Batch], int]:
    """`limit` of the viewer's batches from `offset`, newest first, and how many there are."""
    stmt = _newest_first(employer_id)
    total = _count(session, stmt)
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def batches_page(
    session: Session,
    employer_id: int | None,
    kind: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Batch]:
    """The viewer's batches, newest first, optionally of one kind and status."""
    return _paged(session, _filtered(employer_id, kind, status), page, per_page)


def all_batches(
    session: Session,
    employer_id: int | None,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 10_000,
) -> list[Batch]:
    """The viewer's batches, newest first, optionally of one kind and status, for an
    export (bounded)."""
    return list(session.scalars(_filtered(employer_id, kind, status).limit(limit)))


def _filtered(employer_id: int | None, kind: str | None, status: str | None) -> Select:
    stmt = _newest_first(employer_id)
    if kind:
        stmt = stmt.where(Batch.kind == kind)
    if status:
        stmt = stmt.where(Batch.status == status)
    return stmt


def column_condition(column: str) -> ColumnElement[bool]:
    """Issues of one column, named by its header (证件号码) or its letter (C)."""
    if _LETTER.match(column):
        return or_(BatchIssue.column == column, BatchIssue.letter == column.upper())
    return BatchIssue.column == column


def issues_query(batch_id: int, column: str | None = None, severity: str | None = None) -> Select:
    """Issues of a batch in sheet order, whole-file issues first on every database."""
    stmt = select(BatchIssue).where(BatchIssue.batch_id == batch_id)
    if column:
        stmt = stmt.where(column_condition(column))
    if severity:
        stmt = stmt.where(BatchIssue.severity == severity)
    return stmt.order_by(ISSUE_SHEET_ORDER, BatchIssue.id)


def issues_page(
    session: Session,
    batch_id: int,
    column: str | None = None,
    severity: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[BatchIssue]:
    """Issues of a batch in sheet order (whole-file issues first), filtered and paged."""
    stmt = issues_query(batch_id, column, severity)
    total = _matching_issues(session, batch_id, column, severity, stmt)
    return _paged(session, stmt, page, per_page, total)


def issues_slice(
    session: Session,
    batch_id: int,
    column: str | None,
    severity: str | None,
    offset: int,
    limit: int | None,
) -> tuple[list[BatchIssue], int]:
    """Issues from `offset` (at most `limit`, or all), and how many match the filters."""
    stmt = issues_query(batch_id, column, severity)
    total = _matching_issues(session, batch_id, column, severity, stmt)
    stmt = stmt.offset(offset) if limit is None else stmt.offset(offset).limit(limit)
    return list(session.scalars(stmt)), total


def all_issues(session: Session, batch_id: int) -> list[BatchIssue]:
    """Every issue of a batch in sheet order (the command line's summary)."""
    return list(session.scalars(issues_query(batch_id)))


@dataclass
class ColumnIssues:
    """How many errors and warnings one column holds, and its most frequent error code."""

    column: str | None
    letter: str | None
    errors: int = 0
    warnings: int = 0
    codes: Counter = field(default_factory=Counter)

    @property
    def top_code(self) -> str | None:
        """The most frequent error code of this column."""
        return self.codes.most_common(1)[0][0] if self.codes else None


# Not an error of the row's cells: a valid row not applied because the upload was
# "全部正确才申报" and other rows had errors. Counted apart, never charted as an error.
HELD_BACK_CODE = "held_back"


def tally_issues(issues: Iterable[Any]) -> list[list[Any]]:
    """[column, letter, severity, code, count] of `issues` (anything with those attributes),
    what a batch keeps in `issue_counts` beside the issues it records."""
    counts = Counter((i.column, i.letter, i.severity, i.code) for i in issues)
    return [[*key, n] for key, n in sorted(counts.items(), key=str)]


def count_issue(
    batch: Batch, column: str | None, letter: str | None, severity: str, code: str
) -> None:
    """One more issue recorded on `batch` (a reviewer's rejection): its counts follow."""
    if batch.issue_counts is None:
        return
    counts = [list(entry) for entry in batch.issue_counts]
    for entry in counts:
        if entry[:4] == [column, letter, severity, code]:
            entry[4] += 1
            break
    else:
        counts.append([column, letter, severity, code, 1])
    batch.issue_counts = counts  # a new list: a JSON column notices assignment only


def _issue_tally(session: Session, batch_id: int) -> list[list[Any]] | None:
    """The batch's kept issue counts, or None (recorded before they were kept, or running)."""
    batch = session.get(Batch, batch_id)  # the page has loaded it: no query
    return batch.issue_counts if batch is not None else None


def _matching_issues(
    session: Session, batch_id: int, column: str | None, severity: str | None, stmt: Select
) -> int:
    """How many issues `stmt` (the `issues_query` of these filters) matches: from the kept
    counts, by the same filters as `column_condition` and the severity, or counted when
    the batch has none."""
    tally = _issue_tally(session, batch_id)
    if tally is None:
        return _count(session, stmt)
    by_letter = bool(column and _LETTER.match(column))
    return sum(
        count
        for col, letter, sev, _code, count in tally
        if (not column or col == column or (by_letter and letter == column.upper()))
        and (not severity or sev == severity)
    )


def issue_counts_by_column(session: Session, batch_id: int) -> list[ColumnIssues]:
    """Errors and warnings per column, the column with most errors first (rows held back
    by 全部正确才申报 are not errors of any column: see `held_back_rows`)."""
    tally = _issue_tally(session, batch_id)
    if tally is None:
        stmt = (
            select(
                BatchIssue.column, BatchIssue.letter, BatchIssue.severity, BatchIssue.code,
                func.count(),
            )
            .where(BatchIssue.batch_id == batch_id, BatchIssue.code != HELD_BACK_CODE)
            .group_by(BatchIssue.column, BatchIssue.letter, BatchIssue.severity, BatchIssue.code)
        )  # fmt: skip
        tally = [list(row) for row in session.execute(stmt)]
    by_column: dict[str | None, ColumnIssues] = {}
    for column, letter, severity, code, count in tally:
        if code == HELD_BACK_CODE:
            continue
        entry = by_column.setdefault(column, ColumnIssues(column, letter))
        entry.letter = entry.letter or letter
        if severity == "warning":
            entry.warnings += count
        else:
            entry.errors += count
            entry.codes[code] += count
    return sorted(by_column.values(), key=lambda c: (-c.errors, -c.warnings, c.letter or ""))


def held_back_rows(session: Session, batch_id: int) -> int:
    """How many valid rows were not applied because the upload was all-or-nothing."""
    tally = _issue_tally(session, batch_id)
    if tally is not None:
        return sum(entry[4] for entry in tally if entry[3] == HELD_BACK_CODE)
    stmt = select(func.count()).where(
        BatchIssue.batch_id == batch_id, BatchIssue.code == HELD_BACK_CODE
    )
    return session.scalar(stmt) or 0


def declarations_page(
    session: Session, batch_id: int, status: str | None = None, page: int = 1, per_page: int = 50
) -> Page[Declaration]:
    """The per-row results of a batch in sheet order, optionally of one status."""
    stmt = select(Declaration).where(Declaration.batch_id == batch_id)
    if status:
        stmt = stmt.where(Declaration.status == status)
    stmt = stmt.order_by(Declaration.excel_row, Declaration.id)
    return _paged(session, stmt, page, per_page)


def declaration_status_counts(session: Session, batch_id: int) -> dict[str, int]:
    """How many rows of a batch ended in each status."""
    stmt = (
        select(Declaration.status, func.count())
        .where(Declaration.batch_id == batch_id)
        .group_by(Declaration.status)
    )
    return {status: count for status, count in session.execute(stmt)}
