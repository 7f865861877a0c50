"""End to end in Chromium: a clerk uploads a sheet as 预览, reads what each row would
change on the batch page (nothing applied yet), clicks 确认申报 and sees the rows applied.
The server, browser and page come from `test_browser_flow` (a server of this module's own)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook

from importer.kinds.person_add import SPEC as PERSON_ADD
from tests.e2e import test_browser_flow as flow

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

# The fixtures of the browser flow, bound here so pytest finds them for this module.
server, browser, page, recorder = flow.server, flow.browser, flow.page, flow.recorder


def _sheet() -> bytes:
    """Two new people (rows 3, 4) and one with a wrong check digit (row 5)."""
    book = Workbook()
    sheet = book.active
    sheet.title = PERSON_ADD.title
    sheet.cell(row=1, column=1, value=PERSON_ADD.title)
    for col, header in enumerate(PERSON_ADD.headers, start=1):
        sheet.cell(row=2, column=col, value=header)
    rows = [flow.person_row(0), flow.person_row(1), flow.person_row(2)]
    rows[2]["证件号码"] = flow.wrong_check_digit(flow.person_id(2))
    for n, row in enumerate(rows):
        for col, header in enumerate(PERSON_ADD.headers, start=1):
            sheet.cell(row=flow.FIRST_DATA_ROW + n, column=col, value=row[header] or None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _wait_until_done(page) -> int:
    """On a batch page: wait (bounded) until the page, reloading itself, shows 已完成."""
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(r"/batches/\d+$"))
    expect(page.locator("#batch-status")).to_have_text("已完成", timeout=flow.WAIT_MS)
    return int(page.url.rsplit("/", 1)[1])


def _figures(section) -> dict[str, int]:
    """The figures of one section of the batch page, by label."""
    found = {}
    for item in section.locator(".figures li").all():
        label = item.locator(".figure-label").inner_text().strip()
        found[label] = int(item.locator(".figure-value").inner_text())
    return found


def test_clerk_previews_then_confirms(server, page, recorder, tmp_path):
    from playwright.sync_api import expect

    flow.log_in(page, server)
    flow.menu(page, "人员增加")
    upload = tmp_path / "人员增加_预览.xlsx"
    upload.write_bytes(_sheet())
    page.get_by_label("选择填好的表格").set_input_files(str(upload))
    page.get_by_label("预览(只校验, 显示将要办理的变更, 不申报)").check()
    page.get_by_role("button", name="上传", exact=True).click()
    batch = _wait_until_done(page)
    expect(page.get_by_role("heading", name="将要办理的变更")).to_be_visible()
    changes, results = (
        page.locator("#changes"),
        page.locator("section[aria-labelledby=figures-title]"),
    )
    assert _figures(changes) == {"新增": 2, "变更": 0, "无变化": 0, "未通过": 1}
    assert _figures(results)["校验通过"] == 2
    rows = flow.table_rows(page.locator("table.changes tbody tr"))
    assert [(r[0], r[3]) for r in rows] == [("3", "新增"), ("4", "新增"), ("5", "未通过")], rows
    assert rows[0][2] == flow.masked(flow.person_id(0))
    flow.shot(page, "11-preview")

    page.get_by_role("button", name="确认申报").click()
    assert _wait_until_done(page) == batch
    expect(page.get_by_role("heading", name="办理的变更", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="确认申报")).to_have_count(0)
    assert _figures(changes)["新增"] == 2
    assert _figures(results)["已申报"] == 2
    assert not recorder.failed and not recorder.console_errors and not recorder.external()
