"""Every 查询 page in headless Chromium (Playwright on Debian's /usr/bin/chromium) against
the app served over HTTP, and the 养老个人帐户对帐单 printed to an A4 PDF."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from registry.accounts import create_employer
from registry.assess import assess_month
from registry.models import Enrolment
from registry.uow import UnitOfWork
from tests.e2e.test_browser_flow import CHROMIUM, LAUNCH_ARGS, need_chromium
from tests.registry_data import bulk_persons, id_number, person
from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD, make_app
from web.menu import QUERY_ITEMS

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

RETIREE = id_number(2, "19741120", male=False)


@pytest.fixture
def served(sqlite_url, tmp_path, monkeypatch):
    """The app on a SQLite database with a retiree and a year of assessed months."""
    need_chromium()
    monkeypatch.setenv("SHEBAO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHEBAO_TODAY", "2026-11-29")
    with UnitOfWork.for_url(sqlite_url) as uow:
        emp, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", CLERK_PASSWORD)
        bulk_persons(
            uow.session, emp.id, [person(id_number(0, "19660915"), "张伟")], start_month="202401"
        )
        bulk_persons(
            uow.session,
            emp.id,
            [person(RETIREE, "李娜", gender="女")],
            start_month="202401",
            base="5000",
        )
        uow.session.execute(update(Enrolment).where(Enrolment.person_id == RETIREE)
                            .values(status="stopped", end_month="202412", stop_reason="退休"))  # fmt: skip
        for m in range(1, 13):
            assess_month(uow.session, f"2024{m:02d}")
        uow.commit()
    server = make_server("127.0.0.1", 0, make_app(sqlite_url), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_every_query_page_and_the_statement_pdf(served, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        page = browser.new_page()
        page.goto(served + "/login")
        page.fill("#username", CLERK_LOGIN)
        page.fill("#password", CLERK_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(served + "/")
        for title in QUERY_ITEMS:
            page.goto(served + "/")
            page.locator("nav.side-menu").get_by_role("link", name=title, exact=True).click()
            page.wait_for_load_state()
            assert page.locator("h1").first.inner_text().startswith(title), title
            assert "出错" not in page.title()
        # A roster name opens the person's page: the ID masked in the list, full there.
        page.goto(served + "/queries/roster")
        assert RETIREE not in page.inner_text("table.data")
        page.locator("table.data").get_by_role("link", name="李娜").click()
        page.wait_for_selector(".person-card")
        assert RETIREE in page.inner_text(".person-card") and RETIREE not in page.url
        assert "2024年12月" not in page.inner_text("table.data")  # stopped from 202412
        assert "2024年11月" in page.inner_text("table.data")
        page.goto(served + "/queries/statement")
        page.fill("#id_number", RETIREE)
        page.fill("#year", "2024")
        page.click("form.lookup button[type=submit]")
        page.wait_for_selector(".statement")
        assert "4,467.25" in page.inner_text(".statement")
        page.emulate_media(media="print")
        assert not page.is_visible(".side-menu") and not page.is_visible("form.lookup")
        pdf = page.pdf(format="A4", print_background=False)
        page.screenshot(path=str(tmp_path / "statement-print.png"), full_page=True)
        browser.close()
    (tmp_path / "statement.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    # One A4 page (595.92 × 842.88 points) holds the year's twelve months.
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    assert re.search(rb"/MediaBox\s*\[0 0 595\.9\d* 842\.8\d*\]", pdf)
