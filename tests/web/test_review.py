"""The review desk through the test client, on SQLite and PostgreSQL: the clerk's
单位基本信息变更 form, the reviewer's queue, approve / reject / withdraw, a rejection
back on the batch page, in the report and the corrections, and a corrected re-submission."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.web.conftest import (
    OTHER_LOGIN,
    OTHER_PASSWORD,
    batch_id_of,
    login,
    upload,
)

pytestmark = pytest.mark.integration

CODE = "91330604MA2JT1XX0X"


def change(clerk, **fields: str):
    return clerk.post("/employer/change", data=fields)


def pending_id(reviewer) -> int:
    html = reviewer.get("/review/").get_data(as_text=True)
    found = re.findall(r'href="/review/(\d+)"', html)
    assert found, html[-3000:]
    return int(found[0])


def decide(reviewer, declaration_id: int, decision: str, reason: str = ""):
    return reviewer.post(
        f"/review/{declaration_id}/decide", data={"decision": decision, "reason": reason}
    )


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_form_goes_to_review_and_approval_changes_the_employer(clerk, reviewer):
    batch = batch_id_of(change(clerk, 联系电话="0575-82123456", 统一社会信用代码=CODE))
    page = text_of(clerk.get(f"/batches/{batch}"))
    assert "待审核" in page

    queue = text_of(reviewer.get("/review/"))
    assert "单位基本信息变更" in queue and "上虞示例制造有限公司(12345678)" in queue
    number = pending_id(reviewer)
    shown = text_of(reviewer.get(f"/review/{number}"))
    assert "0575-82123456" in shown and f'href="/batches/{batch}"' in shown
    assert "现为: (空)" in shown and "提交审核决定" in shown

    assert decide(reviewer, number, "approve").status_code == 302
    assert "已批准" in text_of(reviewer.get("/review/", follow_redirects=True))
    assert "目前没有待审核的申报" in text_of(reviewer.get("/review/"))
    form = text_of(clerk.get("/employer/change"))
    assert "0575-82123456" in form and "变更记录" in form and CODE in form
    assert "已批准" in text_of(clerk.get("/declarations/?state=approved"))


def test_rejection_is_a_row_error_and_the_corrected_sheet_is_reviewed_again(clerk, reviewer):
    batch = batch_id_of(change(clerk, 单位名称="上虞新名称有限公司"))
    clerk.get(f"/batches/{batch}/report.xlsx")  # a stored report, rebuilt after the decision
    number = pending_id(reviewer)
    refused = decide(reviewer, number, "reject")
    assert refused.status_code == 400 and "请写明原因" in text_of(refused)
    reason = "名称与营业执照不一致, 请附执照复印件"
    assert decide(reviewer, number, "reject", reason).status_code == 302

    page = text_of(clerk.get(f"/batches/{batch}"))
    assert reason in page and "下载待修改数据" in page
    assert re.search(r'<span class="figure-value">1</span><span class="figure-label">未通过', page)
    report = load_workbook(io.BytesIO(clerk.get(f"/batches/{batch}/report.xlsx").data))
    assert any(reason in str(c.value) for row in report.worksheets[0].iter_rows() for c in row)
    fixes = clerk.get(f"/batches/{batch}/corrections.xlsx").data
    sheet = load_workbook(io.BytesIO(fixes)).worksheets[0]
    assert sheet.cell(3, 1).value == "上虞新名称有限公司" and reason in str(sheet.cell(3, 10).value)
    listed = text_of(clerk.get("/declarations/?state=rejected"))
    assert reason in listed

    again = batch_id_of(upload(clerk, fixes, url=f"/batches/{batch}/resubmit", name="待修改.xlsx"))
    assert "待审核" in text_of(clerk.get(f"/batches/{again}"))
    assert decide(reviewer, pending_id(reviewer), "approve").status_code == 302
    assert "上虞新名称有限公司" in text_of(clerk.get("/employer/change"))


def test_withdraw_and_scope(app, clerk, reviewer, other_employer):
    batch_id_of(change(clerk, 联系人="李红"))
    number = pending_id(reviewer)
    other = app.test_client()
    assert login(other, OTHER_LOGIN, OTHER_PASSWORD).status_code == 302
    assert other.post(f"/declarations/{number}/withdraw").status_code == 404
    assert f"/declarations/{number}/withdraw" not in text_of(other.get("/declarations/"))
    assert other.get("/review/").status_code == 404
    assert clerk.get(f"/review/{number}").status_code == 404

    listed = text_of(clerk.get("/declarations/"))
    assert f"/declarations/{number}/withdraw" in listed
    done = clerk.post(f"/declarations/{number}/withdraw", follow_redirects=True)
    assert "已撤回" in text_of(done)
    late = decide(reviewer, number, "approve")
    assert late.status_code == 409 and "已撤回" in text_of(late)
    assert reviewer.post("/review/999999/decide", data={"decision": "approve"}).status_code == 404


def test_declarations_list_masks_ids_filters_and_exports_safely(clerk, reviewer, done_batch):
    page = text_of(clerk.get("/declarations/?kind=person_add"))
    assert re.search(r"330682\*{8}\d{3}[\dX]", page)
    assert not re.search(r"330682199001\d{5}[\dX]", page)
    assert "没有符合条件的申报" in text_of(clerk.get("/declarations/?kind=employer_change"))
    batch_id_of(change(clerk, 联系人="=HYPERLINK(1)"))
    decide(reviewer, pending_id(reviewer), "reject", "=cmd|' /C calc'!A0")
    data = clerk.get("/declarations/export.xlsx").data
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("申报编号", "单位", "申报类型")
    cells = [str(c) for row in rows[1:] for c in row if c is not None]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert any(c.startswith("'=cmd") for c in cells)
    assert not any(re.fullmatch(r"330682\d{11}[\dX]", c) for c in cells)  # masked
    assert sum(bool(re.fullmatch(r"330682\*{8}\d{3}[\dX]", c)) for c in cells) == 2
    # The reviewer sees every employer's declarations.
    assert "上虞示例制造有限公司(12345678)" in text_of(reviewer.get("/declarations/"))


def test_form_with_nothing_filled_is_refused(clerk):
    response = change(clerk)
    assert response.status_code == 400 and "至少要填一项" in text_of(response)


def test_invalid_form_values_come_back_as_batch_errors(clerk):
    batch = batch_id_of(change(clerk, 统一社会信用代码="91330604MA2JT1XX01", 银行账号="12AB"))
    page = text_of(clerk.get(f"/batches/{batch}"))
    assert "校验位" in page and "应为 X" in page and "8-30 位数字" in page
