"""Downloads of the error report and the corrections workbook; re-submission and the chain."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.web.conftest import (
    XLSX_MIME,
    batch_id_of,
    make_id,
    person_add_row,
    person_add_sheet,
    upload,
)

pytestmark = pytest.mark.integration


def test_error_report_download(clerk, done_batch):
    response = clerk.get(f"/batches/{done_batch}/report.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    disposition = response.headers["Content-Disposition"]
    assert f'filename="report_{done_batch}.xlsx"' in disposition
    assert "filename*=UTF-8''" + quote(f"错误报告_{done_batch}_人员增加.xlsx") in disposition
    load_workbook(io.BytesIO(response.data))  # a real workbook


def test_corrections_download_holds_the_rejected_row(clerk, done_batch):
    response = clerk.get(f"/batches/{done_batch}/corrections.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    assert (
        "filename*=UTF-8''" + quote(f"待修改_{done_batch}_人员增加.xlsx")
        in response.headers["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(response.data))
    names = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "李娜" in names and "张伟" not in names


def test_no_corrections_without_rejected_rows(clerk):
    batch_id = batch_id_of(upload(clerk, person_add_sheet([person_add_row(7)])))
    assert clerk.get(f"/batches/{batch_id}/corrections.xlsx").status_code == 404


def test_report_of_a_failed_batch_explains_instead_of_failing(clerk):
    response = upload(clerk, person_add_sheet([]))  # header only: rejected as a whole
    batch_id = batch_id_of(response)
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "整个文件未能导入" in html and "没有数据" in html
    response = clerk.get(f"/batches/{batch_id}/report.xlsx")
    assert response.status_code == 302
    assert "暂时没有报告" in clerk.get(response.headers["Location"]).get_data(as_text=True)


def test_batch_page_offers_the_three_buttons(clerk, done_batch):
    html = clerk.get(f"/batches/{done_batch}").get_data(as_text=True)
    assert f'href="/batches/{done_batch}/report.xlsx">下载错误报告</a>' in html
    assert f'href="/batches/{done_batch}/corrections.xlsx">下载待修改数据</a>' in html
    assert 'href="#resubmit">上传修改后的表格</a>' in html
    assert f'action="/batches/{done_batch}/resubmit"' in html


def test_resubmission_links_to_the_original_and_shows_the_chain(clerk, done_batch):
    fixed = person_add_sheet([person_add_row(2, 证件号码=make_id(2))])
    response = upload(
        clerk, fixed, url=f"/batches/{done_batch}/resubmit", name="人员增加_修改.xlsx"
    )
    second = batch_id_of(response)
    assert second != done_batch
    html = clerk.get(f"/batches/{second}").get_data(as_text=True)
    assert "本表格的历次提交" in html
    chain = html.split("本表格的历次提交", 1)[1].split("</table>", 1)[0]
    assert chain.index("第 1 次") < chain.index("第 2 次")
    assert f'<a href="/batches/{done_batch}">{done_batch}</a>' in chain
    assert f"{second}(本批次)" in chain
    first_row = chain.split("第 1 次", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', first_row)[:2] == ["2", "1"]
    assert "0</td>" in chain.split("第 2 次", 1)[1]  # second: nothing rejected
    original = clerk.get(f"/batches/{done_batch}").get_data(as_text=True)
    assert f'<a href="/batches/{second}">{second}</a>' in original


def test_resubmitting_the_same_rows_applies_nothing_twice(clerk, done_batch):
    again = person_add_sheet([person_add_row(0), person_add_row(1)])
    second = batch_id_of(upload(clerk, again, url=f"/batches/{done_batch}/resubmit"))
    html = clerk.get(f"/batches/{second}").get_data(as_text=True)
    assert '<span class="figure-value">2</span><span class="figure-label">无变化</span>' in html


def test_resubmission_of_a_renamed_file_is_refused_on_the_batch_page(clerk, done_batch):
    response = upload(
        clerk, b"not a workbook at all", url=f"/batches/{done_batch}/resubmit", name="x.xlsx"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/batches/{done_batch}#resubmit")
    html = clerk.get(f"/batches/{done_batch}").get_data(as_text=True)
    assert "可能是改了扩展名" in html
    assert "本表格的历次提交" not in html  # nothing was stored
