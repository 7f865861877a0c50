"""单位人员名册 (IDs masked, export) and 申报及结果查询 (filters, paging, export)."""

from __future__ import annotations

import io

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


def _cells(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_roster_masks_id_numbers_and_formats_money_and_months(clerk, done_batch):
    html = clerk.get("/queries/roster").get_data(as_text=True)
    assert "单位人员名册" in html and "在保 2 人" in html
    assert "330682********0014" in html and make_id(0) not in html
    assert '<td class="num">6,500.00</td>' in html
    assert "2026年11月" in html
    assert "养老保险、医疗保险、失业保险、工伤保险" in html


def test_roster_export_has_full_ids(clerk, done_batch):
    response = clerk.get("/queries/roster.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    rows = _cells(response.data)
    assert rows[0][:3] == ["姓名", "证件号码", "状态"]
    assert make_id(0) in [r[1] for r in rows[1:]]


def test_roster_status_filter(clerk, done_batch):
    html = clerk.get("/queries/roster?status=stopped").get_data(as_text=True)
    assert "330682********0014" not in html


def test_empty_roster_says_what_to_do(clerk):
    assert "名册中还没有人员" in clerk.get("/queries/roster").get_data(as_text=True)


def test_batch_list_newest_first_with_counts(clerk, done_batch):
    second = batch_id_of(upload(clerk, person_add_sheet([person_add_row(8)]), name="第二批.xlsx"))
    html = clerk.get("/queries/batches").get_data(as_text=True)
    assert html.index(f'href="/batches/{second}"') < html.index(f'href="/batches/{done_batch}"')
    assert "第二批.xlsx" in html and "人员增加" in html and "已完成" in html
    assert 'href="/queries/batches.xlsx"' in html


def test_batch_list_filters(clerk, done_batch):
    assert f'href="/batches/{done_batch}"' in clerk.get(
        "/queries/batches?kind=person_add&status=done"
    ).get_data(as_text=True)
    assert f'href="/batches/{done_batch}"' not in clerk.get(
        "/queries/batches?kind=person_remove"
    ).get_data(as_text=True)
    assert f'href="/batches/{done_batch}"' not in clerk.get(
        "/queries/batches?status=failed"
    ).get_data(as_text=True)


def test_batch_list_is_paged(clerk):
    for n in range(21):
        upload(clerk, person_add_sheet([person_add_row(n)]), name=f"第{n}批.xlsx")
    html = clerk.get("/queries/batches").get_data(as_text=True)
    assert "第 1 / 2 页, 共 21 条" in html
    html = clerk.get("/queries/batches?page=2").get_data(as_text=True)
    assert "第0批.xlsx" in html and "第20批.xlsx" not in html


def test_batch_list_export(clerk, done_batch):
    response = clerk.get("/queries/batches.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    rows = _cells(response.data)
    assert rows[0][:5] == ["批次号", "申报类型", "文件名", "上传时间", "状态"]
    assert rows[1][0] == done_batch and rows[1][2] == "人员增加.xlsx" and rows[1][7] == 1


def test_reviewer_batch_list_names_the_employer(reviewer, done_batch):
    html = reviewer.get("/queries/batches").get_data(as_text=True)
    assert "上虞示例制造有限公司(12345678)" in html


def test_roster_sorts_by_base_highest_first(clerk):
    rows = [person_add_row(0, 月缴费工资="6000"), person_add_row(1, 月缴费工资="9000")]
    batch_id_of(upload(clerk, person_add_sheet(rows)))
    by_name = clerk.get("/queries/roster").get_data(as_text=True)
    # Pinyin order: 王芳 (wang) before 张伟 (zhang), though 张 comes first in Unicode.
    assert by_name.index("330682********0030") < by_name.index("330682********0014")
    by_base = clerk.get("/queries/roster?sort=base").get_data(as_text=True)
    assert by_base.index("9,000.00") < by_base.index("6,000.00")
    assert 'aria-sort="descending"' in by_base
    export = _cells(clerk.get("/queries/roster.xlsx?sort=base").data)
    assert [r[4] for r in export[1:]] == [9000, 6000]
