"""Bulk writes for the import hot path: thousands of rows per statement, never one ORM
round trip per row. PostgreSQL gets COPY (an order of magnitude faster than INSERT);
SQLite gets executemany on the raw connection. Values must already be plain text, numbers
or None, the same for both: ISO dates, JSON as text."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

Row = Sequence[object]


def _dbapi(session: Session):
    """The driver connection inside the session's current transaction."""
    return session.connection().connection.driver_connection


@contextmanager
def _integrity_as_sqlalchemy(statement: str) -> Iterator[None]:
    """Driver-level unique-key violations raised as SQLAlchemy's IntegrityError.

    These writes bypass SQLAlchemy, so its exception wrapping never happens; callers (the
    importer's retry of a chunk whose keys another batch applied meanwhile) catch
    `sqlalchemy.exc.IntegrityError` and would otherwise miss the violation and crash.
    """
    try:
        yield
    except (sqlite3.IntegrityError, psycopg.IntegrityError) as exc:
        raise IntegrityError(statement, None, exc) from exc


def _quoted(columns: Sequence[str]) -> str:
    """Column list with every name quoted (`column` itself is a reserved word)."""
    return ", ".join(f'"{c}"' for c in columns)


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` inside the current transaction."""
    if not rows:
        return
    cols = _quoted(columns)
    raw = _dbapi(session)
    with _integrity_as_sqlalchemy(f"INSERT INTO {table}"):
        if is_postgres(session):
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


def upsert_rows(
    session: Session, table: str, columns: Sequence[str], key: str, rows: Sequence[Row]
) -> None:
    """Insert `rows`, overwriting the other columns of rows whose `key` already exists."""
    if not rows:
        return
    cols = _quoted(columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != key)
    conflict = f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    if is_postgres(session):
        raw = _dbapi(session)
        with raw.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS tmp_{table} (LIKE {table}) ON COMMIT DELETE ROWS"
            )
            with cur.copy(f"COPY tmp_{table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM tmp_{table} {conflict}")
            cur.execute(f"DELETE FROM tmp_{table}")
        return
    marks = ", ".join("?" for _ in columns)
    _dbapi(session).executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks}) {conflict}", rows)


def update_rows(session: Session, sql_sqlite: str, sql_pg: str, rows: Sequence[Row]) -> None:
    """Run one parameterised UPDATE per row, batched by the driver (`?` vs `%s` styles)."""
    if not rows:
        return
    raw = _dbapi(session)
    if is_postgres(session):
        with raw.cursor() as cur:
            cur.executemany(sql_pg, rows)
        return
    raw.executemany(sql_sqlite, rows)


def delete_rows(session: Session, table: str, key: Sequence[str], rows: Sequence[Row]) -> None:
    """Delete the rows of `table` whose `key` columns equal each tuple of `rows`."""
    if not rows:
        return
    where = " AND ".join(f'"{c}" = ?' for c in key)
    update_rows(
        session,
        f"DELETE FROM {table} WHERE {where}",
        f"DELETE FROM {table} WHERE {where.replace('?', '%s')}",
        rows,
    )


def analyze(session: Session, tables: Sequence[str]) -> None:
    """Have PostgreSQL sample `tables` again now (SQLite needs nothing): right after a bulk
    load its statistics still describe the table before it, and a batch's 100,000 new
    issues estimated as a handful make the planner sort them all for every page."""
    if is_postgres(session):
        session.execute(text("ANALYZE " + ", ".join(tables)))


def db_now() -> str:
    """Now (UTC) in the text form SQLAlchemy itself stores DateTime columns in."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def as_json(value: object) -> str:
    """JSON text of a value (UTF-8, Chinese kept readable); orjson, as this runs per row."""
    return orjson.dumps(value).decode()
