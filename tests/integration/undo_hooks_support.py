"""Helpers for the tests of the kinds' preview and undo hooks (no tests here): a sheet
judged as the pipeline judges it (for `Kind.current`), a dump of every registry table,
and a batch's applied rows handed back to `Kind.revert` in a transaction.

The dump leaves out what records the work rather than the registry (declarations,
batches and their issues and reports, reviews, audit, logins, header mappings) and the
employers' write counter `apply_seq`, which every writer bumps (undo included).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import select

from importer.apply import Target, write_all
from importer.context import rule_context
from importer.evaluate import evaluate_sheet
from importer.kinds import get_kind
from importer.kinds.base import Judgement
from importer.layout import locate_table
from importer.pipeline import DEFAULT_MAX_ROWS
from importer.reader import read_workbook
from registry.models import Base, Declaration, Employer
from registry.uow import UnitOfWork
from tests.integration.test_pipeline_support import TODAY

NOT_REGISTRY = {
    "audit_log", "batches", "batch_issues", "batch_reports", "declarations",
    "declaration_reviews", "header_mappings", "login_attempts",
}  # fmt: skip
IGNORED_COLUMNS = {("employers", "apply_seq")}


def judgement_of(
    url: str, employer_id: int, kind: str, data: bytes, today: dt.date = TODAY
) -> Judgement:
    """The sheet `data` judged as the pipeline judges it: read, normalised, validated and
    derived, its candidate rows with the state the kind reads for them now."""
    book = read_workbook(data, f"{kind}.xlsx")
    with UnitOfWork.for_url(url) as uow:
        employer = uow.session.get(Employer, employer_id)
        assert employer is not None
        ctx = rule_context(uow.session, employer.code, today)
        table = locate_table(book, kind, DEFAULT_MAX_ROWS, {})
        verdict = evaluate_sheet(table, ctx)
        rows = verdict.df.loc[verdict.candidates()]
        state = get_kind(kind).read_state(uow.session, rows)
    return Judgement(rows, state, employer_id, ctx, verdict.letters)


def current_of(url: str, employer_id: int, kind: str, data: bytes) -> pd.DataFrame:
    """What `Kind.current` says the registry holds now for the rows of `data`."""
    found = get_kind(kind).current
    assert found is not None, f"{kind} has no current"
    return found(judgement_of(url, employer_id, kind, data))


def dump(url: str) -> dict[str, list[tuple]]:
    """Every registry table's rows (sorted, as text), for comparing before and after."""
    out: dict[str, list[tuple]] = {}
    with UnitOfWork.for_url(url) as uow:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_REGISTRY:
                continue
            kept = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
            rows = uow.session.execute(select(*kept)).all()
            out[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return out


def stored(before: dict[str, Any] | None) -> dict[str, Any] | None:
    """A before-image as the declaration's JSON column gives it back."""
    return None if before is None else orjson.loads(orjson.dumps(before))


def applied_rows(url: str, batch_id: int, before: pd.DataFrame) -> pd.DataFrame:
    """What undo hands `Kind.revert`: the batch's applied declarations (index = Excel row)
    with their payload columns and `_before`, the row of `before` (a `current` frame
    taken before the batch) or None when `before` lacks the row."""
    with UnitOfWork.for_url(url) as uow:
        found = list(
            uow.session.scalars(
                select(Declaration)
                .where(Declaration.batch_id == batch_id, Declaration.status == "applied")
                .order_by(Declaration.excel_row)
            )
        )
    index = [d.excel_row for d in found]
    rows = pd.DataFrame.from_records([d.payload for d in found], index=index)
    images = [stored(before.loc[r].to_dict()) if r in before.index else None for r in index]
    rows["_before"] = pd.Series(images, index=index, dtype=object)
    return rows


def revert_batch(url: str, employer_id: int, batch_id: int, kind: str, before: pd.DataFrame):
    """Run the kind's revert writes for the batch's applied rows in one transaction;
    returns how many rows were handed to it."""
    rows = applied_rows(url, batch_id, before)
    revert = get_kind(kind).revert
    assert revert is not None, f"{kind} has no revert"
    with UnitOfWork.for_url(url) as uow:
        write_all(uow.session, revert(rows, Target(employer_id, batch_id, frozenset())))
        uow.commit()
    return len(rows)
