"""Helpers of the preview/undo hook tests (no tests here): a sheet judged the way the
pipeline judges it (read, normalised, validated, derived, the kind's registry state read
for its candidate rows), a dump of every registry table, and a batch's applied rows as
undo hands them to `Kind.revert`.
"""

from __future__ import annotations

from typing import Any

import orjson
import pandas as pd
from sqlalchemy import select, text

from importer.apply import Target, write_all
from importer.context import rule_context
from importer.evaluate import evaluate_sheet
from importer.kinds import get_kind
from importer.kinds.base import Judgement
from importer.layout import locate_table
from importer.reader import read_here
from registry.models import Base, Declaration, Employer
from tests.integration.test_pipeline_support import TODAY, Desk

# The uploads' own bookkeeping, not registry content: undo records itself there.
NOT_REGISTRY = {
    "audit_log", "declarations", "declaration_reviews", "batches", "batch_issues",
    "batch_reports",
}  # fmt: skip
# The employer's write counter moves with every chunk written, undo's included.
NOT_REGISTRY_COLUMNS = {("employers", "apply_seq")}


def judged(desk: Desk, kind: str, data: bytes) -> Judgement:
    """What the pipeline hands a kind's `judge` and `current` for the sheet `data`: its
    candidate rows (valid so far, derived columns added) and the state read for them."""
    book = read_here(data, "sheet.xlsx", 1000)
    table = locate_table(book, kind, 1000)
    with desk.uow() as uow:
        code = uow.session.get(Employer, desk.employer_id).code
        ctx = rule_context(uow.session, code, TODAY)
        verdict = evaluate_sheet(table, ctx)
        rows = verdict.df.loc[verdict.candidates()]
        state = get_kind(kind).read_state(uow.session, rows)
    return Judgement(rows, state, desk.employer_id, ctx, verdict.letters)


def current(desk: Desk, kind: str, data: bytes) -> pd.DataFrame:
    """`Kind.current` of the sheet `data` against the registry now."""
    hook = get_kind(kind).current
    assert hook is not None
    return hook(judged(desk, kind, data))


def as_dicts(frame: pd.DataFrame) -> dict[int, dict[str, str]]:
    """Excel row → column → value of a `current` frame."""
    return {int(row): dict(values) for row, values in frame.to_dict("index").items()}


def dump(desk: Desk) -> dict[str, list[tuple]]:
    """Every row of every registry table, in a stable order (values as text)."""
    out = {}
    with desk.uow() as uow:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_REGISTRY:
                continue
            names = [
                c.name for c in table.columns if (table.name, c.name) not in NOT_REGISTRY_COLUMNS
            ]
            found = uow.session.execute(text(f"SELECT {', '.join(names)} FROM {table.name}")).all()
            out[table.name] = sorted(tuple(_text(v) for v in row) for row in found)
    return out


def _text(value: Any) -> str:
    # Both databases' types (Decimal / float, date / text) to one spelling.
    if value is None:
        return "∅"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def applied_rows(desk: Desk, batch_id: int, before: pd.DataFrame) -> pd.DataFrame:
    """The batch's applied declarations as `Kind.revert` is given them: payload columns
    indexed by Excel row, plus `_before` (the row of `before`, the `current` computed
    before the apply, as a dict; None for a row absent from it)."""
    with desk.uow() as uow:
        found = uow.session.scalars(
            select(Declaration)
            .where(Declaration.batch_id == batch_id, Declaration.status == "applied")
            .order_by(Declaration.excel_row)
        ).all()
        payloads = {
            d.excel_row: orjson.loads(d.payload) if isinstance(d.payload, str) else d.payload
            for d in found
        }
    rows = pd.DataFrame.from_dict(payloads, orient="index")
    images = as_dicts(before)
    rows["_before"] = [images.get(int(r)) for r in rows.index]
    return rows


def revert(desk: Desk, kind: str, batch_id: int, rows: pd.DataFrame) -> None:
    """Run the kind's revert writes for `rows` of `batch_id` in one transaction."""
    hook = get_kind(kind).revert
    assert hook is not None
    writes = hook(rows, Target(desk.employer_id, batch_id, frozenset()))
    with desk.uow() as uow:
        write_all(uow.session, writes)
        uow.commit()
