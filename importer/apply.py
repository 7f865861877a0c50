"""Applying validated rows to the registry in bulk, one chunk per transaction.

Each chunk first takes the employer's lock (an UPDATE of its row: a row lock on
PostgreSQL, the write lock on SQLite), so two batches of one employer never interleave
between "check" and "write"; the declarations' unique natural key is the last guard.

Applying a chunk is split in two: *planning* turns its rows into plain tuples per table
(pure Python, no database), *writing* sends them. The pipeline plans the next chunk on
another thread while the database works on this one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text
from sqlalchemy.orm import Session

from registry.bulk import Rows, db_now, insert_rows, update_rows, upsert_rows
from validators.codes import INSURANCE_COLUMNS

PERSON_COLUMNS = [
    "id_number", "id_type", "name", "gender", "birth_date", "ethnicity", "hukou",
    "identity", "phone", "work_start_date", "updated_at",
]  # fmt: skip
ENROLMENT_COLUMNS = [
    "person_id", "employer_id", "insurance", "start_month", "status", "start_reason",
    "employment_form", "batch_id",
]  # fmt: skip
BASE_COLUMNS = [
    "person_id",
    "employer_id",
    "effective_month",
    "declared_wage",
    "base",
    "clamped",
    "batch_id",
]
STOP_SQLITE = (
    "UPDATE enrolments SET end_month = ?, status = 'stopped', stop_reason = ? "
    "WHERE person_id = ? AND employer_id = ? AND status = 'active'"
)
STOP_PG = STOP_SQLITE.replace("?", "%s")


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
    rows: Rows

    def run(self, session: Session) -> None:
        """Write the rows inside the session's transaction."""
        insert_rows(session, self.table, self.columns, self.rows)


@dataclass(frozen=True)
class Upsert:
    """Rows for one table, replacing those with the same `key`."""

    table: str
    columns: Sequence[str]
    key: str
    rows: Rows

    def run(self, session: Session) -> None:
        """Write the rows inside the session's transaction."""
        upsert_rows(session, self.table, self.columns, self.key, self.rows)


@dataclass(frozen=True)
class Update:
    """One parameterised UPDATE per row (SQLite and PostgreSQL spellings)."""

    sql_sqlite: str
    sql_pg: str
    rows: Rows

    def run(self, session: Session) -> None:
        """Run the updates inside the session's transaction."""
        update_rows(session, self.sql_sqlite, self.sql_pg, self.rows)


Write = Insert | Upsert | Update


def write_all(session: Session, writes: Sequence[Write]) -> None:
    """Send every planned write, in order, inside the session's transaction."""
    for write in writes:
        write.run(session)


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


def text_column(rows: pd.DataFrame, name: str, blank_is_null: bool = False) -> pa.Array:
    """A column of `rows` as Arrow text (the sheet's columns already are Arrow: no copy
    per cell); with `blank_is_null`, empty cells become NULL."""
    column = pa.array(rows[name], type=pa.large_string())
    if blank_is_null:
        column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.large_string()), column)
    return column


def _table(columns: Sequence[str], arrays: Sequence[pa.Array]) -> pa.Table:
    return pa.Table.from_arrays(list(arrays), names=list(columns))


def plan_person_add(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Register the persons of `rows`, enrol them in each insurance marked 是, set bases.

    The rows are built as Arrow tables straight from the sheet's columns: no Python work
    per row (the planner thread then leaves the GIL to the thread writing to the database).
    """
    n = len(rows)
    ids = text_column(rows, "证件号码")
    persons = _table(PERSON_COLUMNS, [
        ids, *(text_column(rows, c) for c in ("证件类型", "姓名", "性别", "出生日期")),
        text_column(rows, "民族", blank_is_null=True),
        *(text_column(rows, c) for c in ("户口性质", "个人身份", "联系电话")),
        text_column(rows, "参加工作日期", blank_is_null=True),
        pa.repeat(db_now(), n),
    ])  # fmt: skip
    known = pc.is_in(ids, value_set=pa.array(list(target.registered), pa.large_string()))
    return [
        Upsert("persons", PERSON_COLUMNS, "id_number", persons.filter(known)),
        Insert("persons", PERSON_COLUMNS, persons.filter(pc.invert(known))),
        Insert("enrolments", ENROLMENT_COLUMNS, _enrolments(rows, target)),
        Insert("contribution_bases", BASE_COLUMNS, _bases(rows, target)),
    ]


def _enrolments(rows: pd.DataFrame, target: Target) -> pa.Table:
    """One enrolment per row and insurance marked 是."""
    parts = []
    for column, ins in INSURANCE_COLUMNS.items():
        chosen = rows[rows[column] == "是"]
        n = len(chosen)
        parts.append(_table(ENROLMENT_COLUMNS, [
            text_column(chosen, "证件号码"), pa.repeat(target.employer_id, n),
            pa.repeat(ins, n).cast(pa.large_string()), text_column(chosen, "参保年月"),
            pa.repeat("active", n).cast(pa.large_string()),
            text_column(chosen, "增加原因"), text_column(chosen, "用工形式"),
            pa.repeat(target.batch_id, n),
        ]))  # fmt: skip
    return pa.concat_tables(parts).combine_chunks()


def _bases(rows: pd.DataFrame, target: Target) -> pa.Table:
    """The contribution base of each row from its month (clamped to floor and cap)."""
    n = len(rows)
    return _table(BASE_COLUMNS, [
        text_column(rows, "证件号码"), pa.repeat(target.employer_id, n),
        text_column(rows, "参保年月"), text_column(rows, "月缴费工资"),
        text_column(rows, "_base"), pa.array(rows["_clamped"].astype(bool), type=pa.bool_()),
        pa.repeat(target.batch_id, n),
    ])  # fmt: skip


def plan_person_remove(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Stop every active enrolment of the persons of `rows` at this employer."""
    params = [
        (month, reason, pid, target.employer_id)
        for pid, month, reason in zip(
            *columns(rows, "证件号码", "停保年月", "减少原因"), strict=True
        )
    ]
    return [Update(STOP_SQLITE, STOP_PG, params)]


Planner = Callable[[pd.DataFrame, Target], list[Write]]
PLANNERS: dict[str, Planner] = {"person_add": plan_person_add, "person_remove": plan_person_remove}
