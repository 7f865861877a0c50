"""Read-only queries about what a batch's rows change (预览, issue 11): per row its action
(add / change / unchanged / rejected) and its changes [[column, old, new], ...], as the
declarations recorded them. Counted and sliced in the database, like `batch_queries`.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, load_only

from registry.batch_queries import Page, _count, _paged
from registry.models import Declaration

# The status of a preview's declarations while the preview is being confirmed
# (importer.confirm): a snapshot, not one of the batch's rows.
PREVIEWED = "previewed"


def changes_query(batch_id: int, action: str | None = None, row: int | None = None) -> Select:
    """The declarations of a batch in sheet order, optionally of one action or one row."""
    stmt = (
        select(Declaration)
        .options(
            load_only(
                Declaration.excel_row, Declaration.action, Declaration.changes,
                Declaration.payload, Declaration.id_number, Declaration.status,
            )
        )
        .where(Declaration.batch_id == batch_id, Declaration.status != PREVIEWED)
    )  # fmt: skip
    if action:
        stmt = stmt.where(Declaration.action == action)
    if row is not None:
        stmt = stmt.where(Declaration.excel_row == row)
    return stmt.order_by(Declaration.excel_row, Declaration.id)


def changes_page(
    session: Session, batch_id: int, action: str | None, page: int, per_page: int
) -> Page[Declaration]:
    """One page of the batch's rows with what they change (the batch page's table)."""
    return _paged(session, changes_query(batch_id, action), page, per_page)


def changes_slice(
    session: Session,
    batch_id: int,
    action: str | None,
    row: int | None,
    offset: int,
    limit: int,
) -> tuple[list[Declaration], int]:
    """`limit` rows from `offset` and how many match the filters (the API)."""
    stmt = changes_query(batch_id, action, row)
    total = _count(session, stmt)
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def action_counts(session: Session, batch_id: int) -> dict[str, int]:
    """How many rows of the batch have each action."""
    stmt = (
        select(Declaration.action, func.count())
        .where(Declaration.batch_id == batch_id, Declaration.status != PREVIEWED)
        .where(Declaration.action.is_not(None))
        .group_by(Declaration.action)
    )
    return {str(action): count for action, count in session.execute(stmt)}


def flat_changes(session: Session, batch_id: int) -> list[dict]:
    """Every row as the command line prints it: one entry per changed cell of a changed
    row, one entry (field, old, new None) for any other row; in sheet order."""
    stmt = (
        select(Declaration.excel_row, Declaration.action, Declaration.changes)
        .where(Declaration.batch_id == batch_id, Declaration.status != PREVIEWED)
        .order_by(Declaration.excel_row, Declaration.id)
    )
    entries: list[dict] = []
    for row, action, changes in session.execute(stmt):
        if changes:
            entries.extend(
                {"row": row, "action": action, "field": c, "old": old, "new": new}
                for c, old, new in changes
            )
        else:
            entries.append({"row": row, "action": action, "field": None, "old": None, "new": None})
    return entries
