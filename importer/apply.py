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
from sqlalchemy import text
from sqlalchemy.orm import Session

from registry.bulk import db_now, insert_rows, update_rows, upsert_rows
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


Write = Insert | Upsert | Update


def write_all(session: Session, writes: Sequence[Write]) -> None:
    """Send every planned write, in order, inside the session's transaction."""
    for write in writes:
        write.run(session)


def _none(value: str) -> str | None:
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


def plan_person_add(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Register the persons of `rows`, enrol them in each insurance marked 是, set bases."""
    employer_id, batch_id = target.employer_id, target.batch_id
    now = db_now()
    cols = columns(rows, "证件号码", "证件类型", "姓名", "性别", "出生日期", "民族", "户口性质",
                   "个人身份", "联系电话", "参加工作日期")  # fmt: skip
    persons = [
        (pid, kind, name, sex, born, _none(nation), hukou, identity, phone, _none(work), now)
        for pid, kind, name, sex, born, nation, hukou, identity, phone, work in zip(
            *cols, strict=True
        )
    ]
    enrolments: list[tuple] = []
    for column, ins in INSURANCE_COLUMNS.items():
        chosen = rows[rows[column] == "是"]
        enrolments.extend(
            (pid, employer_id, ins, month, "active", reason, form, batch_id)
            for pid, month, reason, form in zip(
                *columns(chosen, "证件号码", "参保年月", "增加原因", "用工形式"), strict=True
            )
        )
    bases = [
        (pid, employer_id, month, wage, base, bool(clamped), batch_id)
        for pid, month, wage, base, clamped in zip(
            *columns(rows, "证件号码", "参保年月", "月缴费工资", "_base", "_clamped"), strict=True
        )
    ]
    known = [p for p in persons if p[0] in target.registered]
    new = [p for p in persons if p[0] not in target.registered] if known else persons
    return [
        Upsert("persons", PERSON_COLUMNS, "id_number", known),
        Insert("persons", PERSON_COLUMNS, new),
        Insert("enrolments", ENROLMENT_COLUMNS, enrolments),
        Insert("contribution_bases", BASE_COLUMNS, bases),
    ]


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
