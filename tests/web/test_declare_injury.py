"""The two 工伤 declarations through the web and the API: their pages and templates, an
upload whose rows go to review (待审核), and the API's count of them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.builders import xlsx_bytes
from tests.integration.injury_support import STORY
from tests.web import test_api
from tests.web.conftest import (
    NAMES,
    XLSX_MIME,
    batch_id_of,
    make_id,
    person_add_row,
    person_add_sheet,
    upload,
)

pytestmark = pytest.mark.integration


def report_row(n: int, **cells: object) -> list[object]:
    values = {
        "姓名": NAMES[n], "证件号码": make_id(n), "事故发生日期": "2026-11-20",
        "事故发生地点": "二号车间", "事故类别": "工作时间工作场所事故", "受伤部位": "左手",
        "事故经过": STORY, "就诊医疗机构": "上虞区人民医院", "联系电话": "", "备注": "",
    }  # fmt: skip
    values.update(cells)
    return list(values.values())


@pytest.mark.parametrize(
    ("kind", "title"), [("injury_report", "工伤事故申报"), ("injury_appraisal", "工伤鉴定")]
)
def test_pages_and_templates(clerk, kind, title):
    html = clerk.get(f"/declare/{kind}").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html and f'action="/declare/{kind}"' in html
    resp = clerk.get(f"/declare/{kind}/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype == XLSX_MIME
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.worksheets[0].title == title and wb["_shebao"]["B1"].value == kind
    menu = clerk.get("/declare/").get_data(as_text=True)
    assert f'href="/declare/{kind}/template.xlsx"' in menu


def test_upload_goes_to_review_on_the_page_and_through_the_api(clerk, client):
    batch_id_of(upload(clerk, person_add_sheet([person_add_row(0), person_add_row(1)])))
    sheet = xlsx_bytes("injury_report", [report_row(0), report_row(1, 事故经过="夹伤")])
    batch = batch_id_of(upload(clerk, sheet, url="/declare/injury_report", name="工伤.xlsx"))
    html = clerk.get(f"/batches/{batch}").get_data(as_text=True)
    assert "待审核" in html and "至少要写 20 个字" in html

    token = test_api.token_for(client)
    resp = test_api.upload(client, token, sheet, "工伤.xlsx", kind="injury_report")
    assert resp.status_code == 202, resp.get_json()
    url = resp.headers["Location"]
    again = client.get(url, headers=test_api.bearer(token)).get_json()
    assert (again["kind"], again["unchanged"], again["rejected"]) == ("injury_report", 1, 1)
    assert again["pending_review"] == 0
    first = client.get(f"/api/v1/batches/{batch}", headers=test_api.bearer(token)).get_json()
    assert (first["pending_review"], first["rejected"], first["applied"]) == (1, 1, 0)
