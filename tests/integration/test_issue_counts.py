"""A batch keeps its issues counted (the batch page's chart, held-back rows and the issue
list's totals come from them, not from counting 100,000 issues at every visit): what the
kept counts say equals what counting the issues says, for every filter, after a
reviewer's rejection, and for a batch recorded before the counts were kept."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from importer.kinds.base import Decision
from importer.review import decide
from registry.batch_queries import (
    held_back_rows,
    issue_counts_by_column,
    issues_page,
    issues_slice,
    tally_issues,
)
from registry.models import Batch
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import Desk, add_row, person

pytestmark = pytest.mark.integration

FILTERS = [
    (None, None), ("证件号码", None), ("C", None), ("c", None), ("姓名", "error"),
    (None, "warning"), (None, "error"), ("月缴费工资", None), ("Z", None), ("不存在的列", None),
]  # fmt: skip


def _mixed_sheet() -> bytes:
    rows = [person(i).add() for i in range(6)]
    rows[1][2] = "330682199001011234"  # a wrong check digit
    rows[2][0] = ""  # no name
    rows[3][2] = rows[0][2]  # the same person twice
    rows.append(add_row(证件号码="12345", 姓名=""))  # two errors in one row
    return xlsx_bytes("person_add", rows)


def _figures(desk: Desk, batch_id: int) -> dict:
    """Everything the batch page and the errors API show that the counts drive."""
    with desk.uow() as uow:
        s = uow.session
        s.get(Batch, batch_id)
        columns = [
            (c.column, c.letter, c.errors, c.warnings, dict(c.codes))
            for c in issue_counts_by_column(s, batch_id)
        ]
        totals = {
            f: (
                issues_page(s, batch_id, f[0], f[1], 1, 2).total,
                [i.id for i in issues_page(s, batch_id, f[0], f[1], 2, 2).items],
                issues_slice(s, batch_id, f[0], f[1], 1, 3)[1],
            )
            for f in FILTERS
        }
        return {"columns": columns, "held_back": held_back_rows(s, batch_id), "totals": totals}


def _uncounted(desk: Desk, batch_id: int) -> dict:
    """The same figures with the counts forgotten, as for a batch recorded before them."""
    with desk.uow() as uow:
        uow.session.execute(update(Batch).where(Batch.id == batch_id).values(issue_counts=None))
        uow.commit()
    return _figures(desk, batch_id)


def test_kept_counts_say_what_counting_the_issues_says(desk):
    batch_id, _ = desk.submit(_mixed_sheet())
    kept = _figures(desk, batch_id)
    assert desk.batch(batch_id).issue_counts == tally_issues(desk.issues(batch_id))
    assert kept["totals"][(None, None)][0] == len(desk.issues(batch_id)) >= 5
    assert kept["totals"][("C", None)][0] == kept["totals"][("证件号码", None)][0] >= 3
    assert kept == _uncounted(desk, batch_id)


def test_rows_held_back_by_all_or_nothing_are_counted_apart(desk):
    batch_id, _ = desk.submit(_mixed_sheet(), all_or_nothing=True)
    kept = _figures(desk, batch_id)
    assert kept["held_back"] == 2  # persons 4 and 5 were valid
    assert all("held_back" not in codes for *_, codes in kept["columns"])
    assert kept == _uncounted(desk, batch_id)


def test_a_reviewers_rejection_is_counted_with_the_issue_it_adds(desk):
    headers = ["单位名称", "统一社会信用代码", "法定代表人", "单位地址", "联系人", "联系电话",
               "开户银行", "银行账号", "行业风险类别"]  # fmt: skip
    row = ["上虞新名称有限公司", "", "", "", "李红", "", "", "", ""]
    assert len(row) == len(headers)
    batch_id, outcome = desk.submit(
        xlsx_bytes("employer_change", [row]), file_name="单位信息变更.xlsx"
    )
    assert outcome.status == {3: "pending_review"}
    assert desk.batch(batch_id).issue_counts == []
    decision = Decision(approve=False, reviewer="reviewer01", reason="名称与执照不一致")
    decide(desk.uow(), desk.declarations(batch_id)[3].id, decision)
    assert desk.batch(batch_id).issue_counts == [[None, None, "error", "review_rejected", 1]]
    kept = _figures(desk, batch_id)
    assert kept["totals"][(None, "error")][0] == 1
    assert kept == _uncounted(desk, batch_id)


def test_a_batch_run_again_counts_only_what_it_records_then(desk):
    batch_id, _ = desk.submit(_mixed_sheet())
    first = desk.batch(batch_id).issue_counts
    desk.run(batch_id)  # a done batch is left as it is
    assert desk.batch(batch_id).issue_counts == first


def test_a_large_batch_has_its_tables_sampled_again(desk, db_url, monkeypatch):
    import importer.record as record
    from registry.uow import UnitOfWork

    batch_id, _ = desk.submit(_mixed_sheet())
    assert not record.refresh_statistics(desk.uow(), batch_id)  # 7 rows: left to autovacuum
    monkeypatch.setattr(record, "ANALYZE_FROM_ROWS", 5)
    assert record.refresh_statistics(desk.uow(), batch_id)
    if db_url.startswith("postgresql"):
        with UnitOfWork.for_url(db_url) as uow:
            sampled = uow.session.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'batch_issues'")
            ).scalar()
        assert sampled == len(desk.issues(batch_id))
