"""Query pages and the query API given a month range they cannot use: the page says so in
Chinese (and what to do), the API answers 400; on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD
from tests.web.test_query_pages import RETIREE, _today, registry_rows  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("registry_rows")]

MONTH_LISTS = ["changes", "contributions", "arrears"]


@pytest.mark.parametrize("name", MONTH_LISTS)
def test_a_month_that_is_not_one_is_said_and_ignored(clerk, name):
    html = clerk.get(f"/queries/{name}?from=2024-13&to=abc").get_data(as_text=True)
    assert "起始年月「2024-13」不是有效的年月, 已忽略" in html
    assert "截止年月「abc」不是有效的年月" in html and "2024年12月" in html
    html = clerk.get(f"/queries/{name}?from=２０２４１２").get_data(as_text=True)
    assert "起始年月「２０２４１２」不是有效的年月" in html


@pytest.mark.parametrize("name", MONTH_LISTS)
def test_a_backwards_range_is_said(clerk, reviewer, name):
    html = clerk.get(f"/queries/{name}?from=202412&to=202401").get_data(as_text=True)
    assert "起始年月 202412 晚于截止年月 202401" in html and "没有符合条件的记录" in html
    url = f"/queries/{name}?from=202401&to=202412&employer=12345678"
    assert "晚于" not in reviewer.get(url).get_data(as_text=True)


def test_api_refuses_month_13_and_a_backwards_range(client):
    token = client.post("/api/v1/token", json={"username": CLERK_LOGIN, "password": CLERK_PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    for query in ("from=202413", "to=２０２４１２", "from=202412&to=202401"):
        response = client.get(f"/api/v1/queries/changes?{query}", headers=headers)
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "bad_option"
    ok = client.get("/api/v1/queries/changes?from=202412&to=202412", headers=headers)
    assert ok.status_code == 200 and ok.get_json()["total"] == 1


def test_statement_sheet_names_the_rate_as_shown(clerk):
    data = clerk.post("/queries/statement.xlsx", data={"id_number": RETIREE, "year": "2024"})
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(data.data)).worksheets[0].rows]
    assert any(r[0] == "本年利息(利率 2.62%)" and r[2] == 67.25 for r in rows), rows
