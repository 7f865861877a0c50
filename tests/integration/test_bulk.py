"""Bulk writes from Arrow tables: what goes in comes back, on SQLite and PostgreSQL."""

from __future__ import annotations

import pyarrow as pa
import pytest
from sqlalchemy import text

from registry.bulk import insert_rows
from registry.uow import UnitOfWork

pytestmark = pytest.mark.integration

COLUMNS = ["person_id", "employer_id", "insurance", "start_month", "status", "start_reason",
           "employment_form", "batch_id"]  # fmt: skip
TRICKY = ['引号"和\\反斜杠', "两行\n文字, 逗号", "", None]


def _part(ids: list[str], forms: list[str | None]) -> pa.Table:
    n, s = len(ids), pa.large_string()
    return pa.Table.from_arrays(
        [
            pa.array(ids, s), pa.repeat(1, n), pa.repeat("110", n).cast(s),
            pa.repeat("202611", n).cast(s), pa.repeat("stopped", n).cast(s),
            pa.array([""] * n, s), pa.array(forms, s), pa.repeat(7, n),
        ],
        names=COLUMNS,
    )  # fmt: skip


def test_an_arrow_table_with_empty_leading_chunks_and_tricky_text_round_trips(db_url):
    ids = [f"33068219900101{i:04d}" for i in range(len(TRICKY))]
    table = pa.concat_tables([_part([], []), _part([], []), _part(ids[:2], TRICKY[:2]),
                              _part(ids[2:], TRICKY[2:])])  # fmt: skip
    uow = UnitOfWork.for_url(db_url)
    with uow:
        insert_rows(uow.session, "enrolments", COLUMNS, table)
        uow.commit()
        got = uow.session.execute(
            text(
                "SELECT person_id, employment_form, start_reason, employer_id, batch_id"
                " FROM enrolments ORDER BY person_id"
            )
        ).all()
    assert [tuple(r) for r in got] == [(i, f, "", 1, 7) for i, f in zip(ids, TRICKY, strict=True)]
