"""What a reviewer's pages offer, through the test client on SQLite and PostgreSQL: none
of the clerk's actions (the corrections workbook, re-submission, 确认申报, the header
mapping, 撤回, templates, the 单位基本信息变更 form), which answer 404 to a reviewer or
belong to the clerk's fix-and-resubmit loop; the error report and 撤销本批次 stay."""

from __future__ import annotations

import re

import pytest

from tests.builders import xlsx_bytes
from tests.web.conftest import batch_id_of, person_add_row, person_add_sheet, upload

pytestmark = pytest.mark.integration

# A clerk-only action, by its label or its address (either is enough to offer it).
CLERK_ONLY = [
    "下载待修改数据", "/corrections.xlsx", "上传修改后的表格", "/resubmit",
    "确认申报</button>", "/confirm", "保存对应并重新导入", "/map-headers",
    "/withdraw", ">撤回</button>", "下载模板", "/template.xlsx",
    'href="/employer/change', 'href="/declare/',
]  # fmt: skip


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def clerk_only(html: str) -> list[str]:
    """The clerk-only actions a page offers."""
    return [marker for marker in CLERK_ONLY if marker in html]


def _missing_column_sheet() -> bytes:
    from importer.kinds import spec_of

    headers = ["实发基数" if h == "月缴费工资" else h for h in spec_of("person_add").headers]
    return xlsx_bytes("person_add", [person_add_row(5)], headers=headers)


def _rejected_by_review(clerk, reviewer) -> int:
    batch = batch_id_of(clerk.post("/employer/change", data={"单位名称": "上虞另名有限公司"}))
    (number,) = re.findall(r'href="/review/(\d+)"', text_of(reviewer.get("/review/")))
    reason = {"decision": "reject", "reason": "名称与营业执照不一致"}
    assert reviewer.post(f"/review/{number}/decide", data=reason).status_code == 302
    return batch


def test_reviewer_batch_pages_offer_no_clerk_action(clerk, reviewer, done_batch):
    bad_id = person_add_row(2, 证件号码=3.30682199001152e17)
    preview = batch_id_of(
        upload(clerk, person_add_sheet([person_add_row(0), bad_id]), dry_run=True)
    )
    applied = batch_id_of(upload(clerk, person_add_sheet([person_add_row(3), person_add_row(4)])))
    failed = batch_id_of(upload(clerk, _missing_column_sheet()))
    reviewed = _rejected_by_review(clerk, reviewer)
    # What the clerk is offered on each, so that the reviewer's absence means something.
    offered = {
        preview: ["下载待修改数据", "上传修改后的表格", "确认申报</button>"],
        applied: ["上传修改后的表格", "/resubmit"],
        done_batch: ["下载待修改数据", "/corrections.xlsx", "上传修改后的表格"],
        reviewed: ["下载待修改数据", "上传修改后的表格"],
        failed: ["保存对应并重新导入", "上传修改后的表格"],
    }
    for batch, actions in offered.items():
        assert set(actions) <= set(clerk_only(text_of(clerk.get(f"/batches/{batch}")))), batch
        page = text_of(reviewer.get(f"/batches/{batch}"))
        assert clerk_only(page) == [], (batch, clerk_only(page))
    # The reviewer still reads the error report and may undo (web.undo).
    page = text_of(reviewer.get(f"/batches/{done_batch}"))
    assert f'href="/batches/{done_batch}/report.xlsx"' in page and "撤销本批次" in page
    assert "名称与营业执照不一致" in text_of(reviewer.get(f"/batches/{reviewed}"))


def test_reviewer_lists_and_desk_offer_no_clerk_action(clerk, reviewer, done_batch):
    batch_id_of(clerk.post("/employer/change", data={"联系人": "李红"}))
    assert "/withdraw" in text_of(clerk.get("/declarations/"))
    (number,) = re.findall(r'href="/review/(\d+)"', text_of(reviewer.get("/review/")))
    for url in ("/", "/declarations/", "/review/", f"/review/{number}", "/queries/batches",
                "/queries/employer?employer=12345678", "/employer/history?employer=12345678"):  # fmt: skip
        page = text_of(reviewer.get(url, follow_redirects=True))
        assert clerk_only(page) == [], (url, clerk_only(page))


def test_employer_history_for_a_reviewer_is_the_chosen_employers(clerk, reviewer):
    batch_id_of(clerk.post("/employer/change", data={"联系人": "李红"}))
    (number,) = re.findall(r'href="/review/(\d+)"', text_of(reviewer.get("/review/")))
    assert (
        reviewer.post(f"/review/{number}/decide", data={"decision": "approve"}).status_code == 302
    )

    # The reviewer has no 单位基本信息变更 form (404): the history is 单位基本信息's.
    chosen = reviewer.get("/employer/history?employer=12345678")
    assert chosen.status_code == 302
    assert chosen.headers["Location"] == "/queries/employer?employer=12345678#history"
    page = text_of(reviewer.get(chosen.headers["Location"]))
    assert '<h2 id="history">变更记录</h2>' in page and "李红" in page
    assert "上虞示例制造有限公司(12345678)在社保登记的信息" in page
    unchosen = reviewer.get("/employer/history")
    assert unchosen.headers["Location"] == "/queries/employer#history"
    assert "请先选择单位" in text_of(reviewer.get(unchosen.headers["Location"]))
    # The clerk's stays the form's own history.
    own = clerk.get("/employer/history")
    assert own.headers["Location"] == "/employer/change#history"
    assert "李红" in text_of(clerk.get(own.headers["Location"]))
