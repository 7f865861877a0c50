"""The two 工伤 declarations through the web and the API: their pages and templates, an
upload whose rows go to review (待审核), and the API's count of them."""

from __future__ import annotations

import io
import re

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


def _decide(reviewer, declaration_id: int, **form: str):
    return reviewer.post(f"/review/{declaration_id}/decide", data=form)


def _pending(reviewer, kind: str) -> int:
    html = reviewer.get(f"/review/?kind={kind}").get_data(as_text=True)
    found = re.findall(r'href="/review/(\d+)"', html)
    assert found, html[-2000:]
    return int(found[0])


def test_the_reviewer_sees_the_history_and_the_clerk_the_injury_number(clerk, reviewer):
    batch_id_of(upload(clerk, person_add_sheet([person_add_row(0)])))
    sheet = xlsx_bytes("injury_report", [report_row(0)])
    batch_id_of(upload(clerk, sheet, url="/declare/injury_report", name="工伤.xlsx"))
    number = _pending(reviewer, "injury_report")
    page = reviewer.get(f"/review/{number}").get_data(as_text=True)
    # The person's enrolments (was 工伤保险 held?) beside an accident, and only the
    # choice this kind needs: 认定结论, not an appraisal's 伤残等级.
    assert "此人的参保记录" in page and "以往工伤" in page
    assert 'name="outcome"' in page and 'name="grade"' not in page
    assert _decide(reviewer, number, decision="approve", outcome="视同工伤").status_code == 302

    decided = reviewer.get(f"/review/{number}").get_data(as_text=True)
    injury_no = re.search(r"工伤认定编号 (GS\d{9})", decided)
    assert injury_no and "视同工伤" in decided, decided[-2000:]
    # The clerk reads the 认定编号 the 工伤鉴定 template asks for in 申报及结果查询 and its export.
    listed = clerk.get("/declarations/?kind=injury_report").get_data(as_text=True)
    assert f"视同工伤, 工伤认定编号 {injury_no.group(1)}" in listed
    exported = load_workbook(io.BytesIO(clerk.get("/declarations/export.xlsx").data))
    cells = [c.value for row in exported.worksheets[0].iter_rows() for c in row]
    assert f"视同工伤, 工伤认定编号 {injury_no.group(1)}" in cells

    rows = [[NAMES[0], make_id(0), injury_no.group(1), "初次鉴定", "2026-11-25", ""]]
    sheet = xlsx_bytes("injury_appraisal", rows)
    batch_id_of(upload(clerk, sheet, url="/declare/injury_appraisal", name="鉴定.xlsx"))
    appraisal = _pending(reviewer, "injury_appraisal")
    page = reviewer.get(f"/review/{appraisal}").get_data(as_text=True)
    assert 'name="grade"' in page and 'name="outcome"' not in page
    decided = _decide(reviewer, appraisal, decision="approve", grade="八级", self_care="未达等级")
    assert decided.status_code == 302
    listed = clerk.get("/declarations/?kind=injury_appraisal").get_data(as_text=True)
    assert "伤残等级 八级, 生活自理障碍 未达等级" in listed


def _earlier(reviewer, declaration_id: int) -> str:
    """The 以往工伤 part of a declaration's review page."""
    page = reviewer.get(f"/review/{declaration_id}").get_data(as_text=True)
    return page.split("<h3>以往工伤</h3>", 1)[1].split("</section>", 1)[0]


def _report(clerk, **cells: object) -> None:
    sheet = xlsx_bytes("injury_report", [report_row(0, **cells)])
    batch_id_of(upload(clerk, sheet, url="/declare/injury_report", name="工伤.xlsx"))


def test_earlier_injuries_leave_out_the_declaration_under_review(clerk, reviewer):
    batch_id_of(upload(clerk, person_add_sheet([person_add_row(0)])))
    _report(clerk, 事故发生日期="2026-11-02")
    first = _pending(reviewer, "injury_report")
    assert "没有工伤记录" in _earlier(reviewer, first)  # not the accident under review
    assert _decide(reviewer, first, decision="approve", outcome="认定工伤").status_code == 302
    assert "没有工伤记录" in _earlier(reviewer, first)  # nor once decided
    listed = clerk.get("/declarations/?kind=injury_report").get_data(as_text=True)
    injury_no = re.search(r"工伤认定编号 (GS\d{9})", listed).group(1)  # type: ignore[union-attr]

    _report(clerk, 事故发生日期="2026-11-20", 受伤部位="右脚")
    second = _pending(reviewer, "injury_report")
    earlier = _earlier(reviewer, second)
    assert injury_no in earlier and "2026-11-02" in earlier
    assert "2026-11-20" not in earlier and "右脚" not in earlier

    rows = [[NAMES[0], make_id(0), injury_no, "初次鉴定", "2026-11-25", ""]]
    sheet = xlsx_bytes("injury_appraisal", rows)
    batch_id_of(upload(clerk, sheet, url="/declare/injury_appraisal", name="鉴定.xlsx"))
    # The appraised injury is history; the appraisal under review is not among its 鉴定.
    earlier = _earlier(reviewer, _pending(reviewer, "injury_appraisal"))
    assert injury_no in earlier and "2026-11-20" in earlier and "初次鉴定" not in earlier
