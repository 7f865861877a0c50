"""Bulk writes for the import hot path: thousands of rows per statement, never one ORM
round trip per row. PostgreSQL gets COPY (an order of magnitude faster than INSERT);
SQLite gets executemany on the raw connection. Values must already be plain text, numbers,
booleans or None, the same for both: ISO dates, JSON as text.

Rows come as tuples or as an Arrow table. An Arrow table goes to PostgreSQL as CSV that
Arrow writes in C++ (no Python work per row, and the GIL released meanwhile): the import
builds its rows that way straight from the sheet's Arrow columns."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeAlias

import orjson
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

Row = Sequence[object]
Rows: TypeAlias = "Sequence[Row] | pa.Table"
# Arrow quotes every text and writes nulls as nothing: in PostgreSQL's CSV format an
# unquoted empty field is NULL and a quoted one the empty string, as intended.
_CSV = pa_csv.WriteOptions(include_header=False, quoting_style="needed")


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


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Rows) -> None:
    """Insert `rows` (in `columns` order) into `table` inside the current transaction."""
    if not len(rows):
        return
    cols = _quoted(columns)
    raw = _dbapi(session)
    with _integrity_as_sqlalchemy(f"INSERT INTO {table}"):
        if is_postgres(session):
            with raw.cursor() as cur:
                _copy(cur, f"{table} ({cols})", rows)
            return
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", as_tuples(rows))


def upsert_rows(session: Session, table: str, columns: Sequence[str], key: str, rows: Rows) -> None:
    """Insert `rows`, overwriting the other columns of rows whose `key` already exists."""
    if not len(rows):
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
            _copy(cur, f"tmp_{table} ({cols})", rows)
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM tmp_{table} {conflict}")
            cur.execute(f"DELETE FROM tmp_{table}")
        return
    marks = ", ".join("?" for _ in columns)
    _dbapi(session).executemany(
        f"INSERT INTO {table} ({cols}) VALUES ({marks}) {conflict}", as_tuples(rows)
    )


def _copy(cur, target: str, rows: Rows) -> None:
    """COPY `rows` into `target` (`table (columns)`): Arrow tables as CSV, tuples by row."""
    if isinstance(rows, pa.Table):
        buf = io.BytesIO()
        # One chunk per column: pyarrow 26's CSV writer emits garbage for a table whose
        # first chunks are empty (an insurance nobody in the chunk asked for).
        pa_csv.write_csv(rows.combine_chunks(), buf, _CSV)
        with cur.copy(f"COPY {target} FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getbuffer())
        return
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def as_tuples(rows: Rows) -> Sequence[Row]:
    """Rows as tuples (what executemany takes), whichever form they came in."""
    if isinstance(rows, pa.Table):
        return list(zip(*(column.to_pylist() for column in rows.columns), strict=True))
    return rows


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


def db_now() -> str:
    """Now (UTC) in the text form SQLAlchemy itself stores DateTime columns in."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def as_json(value: object) -> str:
    """JSON text of a value (UTF-8, Chinese kept readable); orjson, as this runs per row."""
    return orjson.dumps(value).decode()
