"""The filters of 申报及结果查询 and 审核队列 through the test client, on SQLite and
PostgreSQL: a kind, state, date or employer code that is not one of the choices lists no
declarations and says in Chinese which value is wrong and what it may be (the API answers
400 to the same request); the export goes back to the list instead of exporting all."""

from __future__ import annotations

import io
import re

import pytest

from importer.kinds import SPECS
from tests.web.conftest import batch_id_of, make_id

pytestmark = pytest.mark.integration

MASKED_ID = re.compile(r"330682\*{8}\d{3}[\dX]")
NO_ROWS = "没有符合条件的申报"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def queue_rows(html: str) -> list[str]:
    """The declarations the review queue lists (links to their pages)."""
    return re.findall(r'href="/review/(\d+)"', html)


def test_declarations_list_names_a_bad_filter_and_lists_nothing(clerk, done_batch):
    assert MASKED_ID.search(text_of(clerk.get("/declarations/?kind=person_add")))

    wrong_kind = clerk.get("/declarations/?kind=person_addd")
    page = text_of(wrong_kind)
    assert wrong_kind.status_code == 400 and not MASKED_ID.search(page)
    assert "申报类型「person_addd」不是可选的申报类型" in page
    assert "、".join(spec.title for spec in SPECS.values()) in page
    assert NO_ROWS not in page  # the notice, not an answer that nothing was declared

    wrong_state = text_of(clerk.get("/declarations/?state=done"))
    assert "状态「done」不是可选的状态, 可选: 已申报、待审核、已批准、未通过" in wrong_state
    assert not MASKED_ID.search(wrong_state)

    wrong_date = text_of(clerk.get("/declarations/?date_from=2026-13-01&kind=person_add"))
    assert "提交日期从「2026-13-01」不是有效的日期, 应写成 2026-11-29 这样" in wrong_date
    assert not MASKED_ID.search(wrong_date)

    # An ID number typed into the filter is masked in the notice like anywhere else.
    masked = text_of(clerk.get(f"/declarations/?kind={make_id(0)}"))
    assert make_id(0) not in masked and MASKED_ID.search(masked)


def test_declarations_export_with_a_bad_filter_goes_back_to_the_notice(clerk, done_batch):
    refused = clerk.get("/declarations/export.xlsx?state=bogus&kind=person_add")
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/declarations/?state=bogus&kind=person_add"
    shown = clerk.get(refused.headers["Location"])
    assert shown.status_code == 400 and "状态「bogus」不是可选的状态" in text_of(shown)
    assert "/declarations/export.xlsx" not in text_of(shown)  # no export of a bad filter
    good = clerk.get("/declarations/export.xlsx?state=applied")
    assert good.status_code == 200 and good.data.startswith(b"PK")


def test_review_queue_names_a_bad_filter_and_lists_nothing(clerk, reviewer):
    batch_id_of(clerk.post("/employer/change", data={"联系人": "李红"}))
    assert queue_rows(text_of(reviewer.get("/review/?kind=employer_change")))

    # 已申报 is a state of the clerk's list, not of the review desk.
    applied = reviewer.get("/review/?state=applied")
    page = text_of(applied)
    assert applied.status_code == 400 and not queue_rows(page)
    assert "状态「applied」不是可选的状态, 可选: 待审核、已批准、未通过、已撤回。" in page

    kind = text_of(reviewer.get("/review/?kind=gongshang"))
    assert "申报类型「gongshang」不是可选的申报类型, 可选: 人员增加" in kind
    assert not queue_rows(kind) and "目前没有待审核的申报" not in kind

    date = text_of(reviewer.get("/review/?date_to=yesterday"))
    assert "提交日期到「yesterday」不是有效的日期" in date and not queue_rows(date)

    employer = text_of(reviewer.get("/review/?employer=99999999"))
    assert "单位编码「99999999」没有这个单位" in employer
    assert not queue_rows(employer)
    assert queue_rows(text_of(reviewer.get("/review/?employer=12345678")))


def batch_links(html: str) -> list[str]:
    """The batches a page lists (links to their pages)."""
    return re.findall(r'href="/batches/(\d+)"', html)


def test_batch_list_names_a_bad_filter_and_exports_under_the_filter(clerk, done_batch):
    assert batch_links(text_of(clerk.get("/queries/batches?kind=person_add&status=done")))

    wrong = clerk.get("/queries/batches?kind=person_add&status=finished")
    page = text_of(wrong)
    assert wrong.status_code == 400 and not batch_links(page)
    assert "查询条件有误, 没有列出批次: 状态「finished」不是可选的状态, 可选: " in page
    assert "/queries/batches.xlsx" not in page

    refused = clerk.get("/queries/batches.xlsx?kind=person_addd")
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/queries/batches?kind=person_addd"

    from openpyxl import load_workbook

    def exported(query: str) -> list[tuple]:
        answer = clerk.get(f"/queries/batches.xlsx?{query}")
        assert answer.status_code == 200
        sheet = load_workbook(io.BytesIO(answer.data)).active
        return [row for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]

    assert [row[0] for row in exported("kind=person_add")] == [done_batch]
    assert exported("kind=person_remove") == []  # the export honours the filter
