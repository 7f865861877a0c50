"""撤销本批次 end to end in Chromium against a real `shebao serve` (its embedded worker
runs the undo): a clerk uploads two people, opens 撤销本批次, reads what will happen,
confirms, and sees the batch marked 已撤销 with who and when, and in the batch list."""

from __future__ import annotations

import re
import time

import pytest

from tests.builders import xlsx_bytes
from tests.e2e.test_browser_flow import (  # noqa: F401  (fixtures)
    LOGIN,
    PERSON_ADD,
    WAIT_MS,
    browser,
    log_in,
    menu,
    page,
    person_row,
    recorder,
    server,
    shot,
    wait_until_done,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _reload_until(tab, selector: str, text: str, seconds: float = 60) -> None:
    """Reload the page until `selector` shows `text` (the worker undoes in the background)."""
    deadline = time.monotonic() + seconds
    while text not in (tab.locator(selector).text_content() or ""):
        assert time.monotonic() < deadline, tab.locator(selector).text_content()
        time.sleep(0.5)
        tab.reload()


def test_clerk_undoes_a_batch_after_confirming(server, page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    log_in(page, server)
    menu(page, "人员增加")
    rows = [[person_row(n)[h] for h in PERSON_ADD.headers] for n in (0, 1)]
    upload = tmp_path / "人员增加_传错的表.xlsx"
    upload.write_bytes(xlsx_bytes("person_add", rows))
    page.get_by_label("选择填好的表格").set_input_files(str(upload))
    page.get_by_role("button", name="上传", exact=True).click()
    batch_id = wait_until_done(page)

    page.get_by_role("link", name="撤销本批次…").click()
    expect(page.get_by_role("heading", name=f"撤销批次 {batch_id}", exact=False)).to_be_visible()
    expect(page.locator("main")).to_contain_text("2 行恢复到申报前的样子")
    expect(page.locator("main")).to_contain_text("0 行保留不撤销")
    shot(page, "07-undo-confirm")
    page.get_by_role("button", name="确认撤销本批次").click()
    expect(page).to_have_url(re.compile(rf"/batches/{batch_id}#undo$"))
    _reload_until(page, "#undo", "本批次已撤销")
    expect(page.locator("#undo")).to_contain_text(LOGIN)
    expect(page.locator("#undo")).to_contain_text("2 行恢复到申报前的登记信息")
    shot(page, "08-undone")

    menu(page, "人员增加")
    expect(page.locator("table").first).to_contain_text("已撤销", timeout=WAIT_MS)
