"""Applying validated rows to the registry in bulk, one chunk per transaction.

Each chunk first takes the employer's lock (an UPDATE of its row: a row lock on
PostgreSQL, the write lock on SQLite), so two batches of one employer never interleave
between "check" and "write"; the declarations' unique natural key is the last guard.

Applying a chunk is split in two: *planning* turns its rows into plain tuples per table
(pure Python, no database; each kind's `plan`, see `importer/kinds/`), *writing* sends
them. The pipeline plans the next chunk on another thread while the database works on
this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from registry.bulk import delete_rows, insert_rows, update_rows, upsert_rows


def lock_employer(session: Session, employer_id: int) -> int:
    """Serialise writers of one employer until the end of the current transaction, and
    return the employer's write sequence after this writer's bump."""
    params = {"id": employer_id}
    if session.get_bind().dialect.name == "postgresql":
        # A chunk need not wait for its own flush to disk: the batch's final, synchronous
        # commit flushes every earlier one, and a chunk lost in a server crash before that
        # is simply applied again when the batch resumes (idempotent by natural key).
        session.execute(text("SET LOCAL synchronous_commit = off"))
    session.execute(text("UPDATE employers SET apply_seq = apply_seq + 1 WHERE id = :id"), params)
    return write_sequence(session, employer_id)


def write_sequence(session: Session, employer_id: int) -> int:
    """How many writing transactions this employer's registry rows have seen."""
    return session.scalar(
        text("SELECT apply_seq FROM employers WHERE id = :id"), {"id": employer_id}
    )


@dataclass(frozen=True)
class Insert:
    """New rows for one table."""

    table: str
    columns: Sequence[str]
    rows: list[tuple]

    def run(self, session: Session) -> None:
        """Write the rows inside the session's transaction."""
        insert_rows(session, self.table, self.columns, self.rows)


@dataclass(frozen=True)
class Upsert:
    """Rows for one table, replacing those with the same `key`."""

    table: str
    columns: Sequence[str]
    key: str
    rows: list[tuple]

    def run(self, session: Session) -> None:
        """Write the rows inside the session's transaction."""
        upsert_rows(session, self.table, self.columns, self.key, self.rows)


@dataclass(frozen=True)
class Update:
    """One parameterised UPDATE per row (SQLite and PostgreSQL spellings)."""

    sql_sqlite: str
    sql_pg: str
    rows: list[tuple]

    def run(self, session: Session) -> None:
        """Run the updates inside the session's transaction."""
        update_rows(session, self.sql_sqlite, self.sql_pg, self.rows)


@dataclass(frozen=True)
class Delete:
    """Rows of one table deleted by the values of `key` columns, one tuple per row (undo
    takes back what a batch inserted this way, e.g. its enrolments by person and batch)."""

    table: str
    key: Sequence[str]
    rows: list[tuple]

    def run(self, session: Session) -> None:
        """Delete the rows inside the session's transaction."""
        delete_rows(session, self.table, self.key, self.rows)


Write = Insert | Upsert | Update | Delete


def write_all(session: Session, writes: Sequence[Write]) -> None:
    """Send every planned write, in order, inside the session's transaction."""
    for write in writes:
        write.run(session)


def none_if_blank(value: str) -> str | None:
    """A blank cell stored as NULL."""
    return value or None


def columns(rows: pd.DataFrame, *names: str) -> list[list]:
    """Whole columns as Python lists: iterating Arrow-backed cells one by one is slow."""
    return [rows[n].tolist() for n in names]


@dataclass(frozen=True)
class Target:
    """Where planned rows go: the employer, the batch, and which of the rows' persons the
    registry already holds (those are updated; the others are plainly inserted, which
    costs half as much)."""

    employer_id: int
    batch_id: int
    registered: frozenset[str]
