"""Bulk writes: what goes in comes back, on SQLite (executemany) and PostgreSQL (COPY)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from registry.bulk import insert_rows
from registry.uow import UnitOfWork

pytestmark = pytest.mark.integration

COLUMNS = ["person_id", "employer_id", "insurance", "start_month", "status", "start_reason",
           "employment_form", "batch_id"]  # fmt: skip
TRICKY = ['引号"和\\反斜杠', "两行\n文字, 逗号\t制表", "", None]


def test_text_with_quotes_backslashes_breaks_empty_and_null_round_trips(db_url):
    ids = [f"33068219900101{i:04d}" for i in range(len(TRICKY))]
    rows = [
        (pid, 1, "110", "202611", "stopped", "", form, 7)
        for pid, form in zip(ids, TRICKY, strict=True)
    ]
    uow = UnitOfWork.for_url(db_url)
    with uow:
        insert_rows(uow.session, "enrolments", COLUMNS, rows)
        uow.commit()
        got = uow.session.execute(
            text(
                "SELECT person_id, employment_form, start_reason, employer_id, batch_id"
                " FROM enrolments ORDER BY person_id"
            )
        ).all()
    assert [tuple(r) for r in got] == [(i, f, "", 1, 7) for i, f in zip(ids, TRICKY, strict=True)]
