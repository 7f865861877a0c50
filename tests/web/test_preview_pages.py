"""预览 and 确认申报 through the test client: the upload option's label, the batch page's
changes table (action labels, old → new, masked IDs, filter and pages, figures per
action), the 确认申报 button, and the API (`/changes`, `/confirm`, `preview`), including
another employer's batch answering 404 and a second confirmation refused."""

from __future__ import annotations

import io
import re

import pytest

from tests.builders import xlsx_bytes
from tests.web.conftest import (
    OTHER_LOGIN,
    OTHER_PASSWORD,
    batch_id_of,
    login,
    make_id,
    person_add_row,
    person_add_sheet,
    upload,
)
from tests.web.test_api import bearer, token_for

pytestmark = pytest.mark.integration


def _returning_and_new(clerk) -> bytes:
    """Person 0 applied (phone 13800000001, no 养老保险) and stopped; the sheet to preview
    brings person 0 back (new phone, 养老保险 是), adds person 1 and has a bad row."""
    first = person_add_row(0, 参保年月="202601", 联系电话="13800000001", 养老保险="否")
    batch_id_of(upload(clerk, person_add_sheet([first])))
    stop = [["张伟", make_id(0), "辞职", "202603", ""]]
    batch_id_of(
        upload(clerk, xlsx_bytes("person_remove", stop), "/declare/person_remove", "人员减少.xlsx")
    )
    return person_add_sheet(
        [
            person_add_row(0, 联系电话="13900000002"),
            person_add_row(1),
            person_add_row(2, 联系电话="1"),
        ]
    )


def test_the_upload_option_is_called_preview(clerk):
    html = clerk.get("/declare/person_add").get_data(as_text=True)
    assert '<label for="dry_run">预览(只校验, 显示将要办理的变更, 不申报)</label>' in html


def test_preview_page_shows_changes_and_confirm_applies(clerk):
    sheet = _returning_and_new(clerk)
    batch_id = batch_id_of(upload(clerk, sheet, dry_run=True))
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "将要办理的变更" in html and "确认申报</button>" in html
    assert "联系电话: 13800000001 → 13900000002" in html
    assert "养老保险: 否 → 是" in html
    for label in ("变更", "新增"):
        assert f'<span class="tag">{label}</span>' in html
    assert '<span class="tag tag-error">未通过</span>' in html
    assert make_id(1) not in html and make_id(1)[:6] + "********" + make_id(1)[-4:] in html
    figures: dict[str, str] = {}  # the first figure of each label: the changes' figures
    for value, label in re.findall(
        r'figure-value">(\d+)</span><span class="figure-label">(\S+?)<', html
    ):
        figures.setdefault(label, value)
    assert [figures[k] for k in ("新增", "变更", "无变化", "未通过")] == ["1", "1", "0", "1"]
    only_new = clerk.get(f"/batches/{batch_id}?action=add").get_data(as_text=True)
    assert "联系电话: 13800000001" not in only_new and make_id(1)[-4:] in only_new
    roster = clerk.get("/queries/roster").get_data(as_text=True)
    assert make_id(1)[-4:] not in roster  # nothing applied yet
    response = clerk.post(f"/batches/{batch_id}/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{batch_id}")
    after = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "已确认申报" in after and "确认申报</button>" not in after
    assert '<span class="figure-value">2</span><span class="figure-label">已申报</span>' in after
    assert "办理的变更" in after and "联系电话: 13800000001 → 13900000002" in after
    again = clerk.post(f"/batches/{batch_id}/confirm", follow_redirects=True)
    assert "已经确认申报过了" in again.get_data(as_text=True)


def test_changes_table_pages(clerk):
    rows = [person_add_row(n) for n in range(60)]
    batch_id = batch_id_of(upload(clerk, person_add_sheet(rows), dry_run=True))
    first = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "第 1 / 2 页, 共 60 条" in first
    second = clerk.get(f"/batches/{batch_id}?cpage=2").get_data(as_text=True)
    assert "第 2 / 2 页" in second and make_id(59)[-4:] in second


def test_another_employer_cannot_see_or_confirm(app, clerk, other_employer):
    batch_id = batch_id_of(upload(clerk, person_add_sheet([person_add_row(0)]), dry_run=True))
    other = app.test_client()
    assert login(other, OTHER_LOGIN, OTHER_PASSWORD).status_code == 302
    assert other.post(f"/batches/{batch_id}/confirm").status_code == 404
    token = token_for(other, OTHER_LOGIN, OTHER_PASSWORD)
    for resp in (
        other.get(f"/api/v1/batches/{batch_id}/changes", headers=bearer(token)),
        other.post(f"/api/v1/batches/{batch_id}/confirm", headers=bearer(token)),
    ):
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "batch_not_found"
    mine = token_for(clerk)
    listed = clerk.get(f"/api/v1/batches/{batch_id}/changes", headers=bearer(mine)).get_json()
    assert listed["counts"] == {"add": 1}


def _api_upload(client, token, data: bytes, **form):
    fields = {"file": (io.BytesIO(data), "人员增加.xlsx"), **form}
    return client.post(
        "/api/v1/batches", data=fields, headers=bearer(token), content_type="multipart/form-data"
    )


def test_api_preview_changes_and_confirm(clerk):
    sheet = _returning_and_new(clerk)
    token = token_for(clerk)
    created = _api_upload(clerk, token, sheet, preview="true")
    assert created.status_code == 202
    batch_id = created.get_json()["id"]
    url = f"/api/v1/batches/{batch_id}"
    body = clerk.get(f"{url}/changes", headers=bearer(token)).get_json()
    assert body["total"] == 3 and body["counts"] == {"change": 1, "add": 1, "rejected": 1}
    changed = body["changes"][0]
    assert (changed["row"], changed["action"], changed["label"]) == (3, "change", "变更")
    assert changed["id_number"] == make_id(0)[:6] + "********" + make_id(0)[-4:]
    fields = {f["field"]: (f["old"], f["new"]) for f in changed["fields"]}
    assert fields["联系电话"] == ("13800000001", "13900000002")
    paged = clerk.get(f"{url}/changes?offset=1&limit=1", headers=bearer(token)).get_json()
    assert paged["total"] == 3 and [c["row"] for c in paged["changes"]] == [4]
    one = clerk.get(f"{url}/changes?row=5", headers=bearer(token)).get_json()
    assert [c["action"] for c in one["changes"]] == ["rejected"] and one["total"] == 1
    only = clerk.get(f"{url}/changes?action=add", headers=bearer(token)).get_json()
    assert [c["row"] for c in only["changes"]] == [4]
    bad = clerk.get(f"{url}/changes?action=maybe", headers=bearer(token))
    assert bad.status_code == 400
    confirmed = clerk.post(f"{url}/confirm", headers=bearer(token))
    assert confirmed.status_code == 202 and confirmed.get_json()["id"] == batch_id
    batch = clerk.get(url, headers=bearer(token)).get_json()
    assert (batch["status"], batch["applied"], batch["rejected"]) == ("done", 2, 1)
    refused = clerk.post(f"{url}/confirm", headers=bearer(token))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_confirmable"
    assert "已经确认申报过了" in refused.get_json()["error"]["message"]


def test_api_refuses_to_confirm_an_applied_batch(clerk):
    token = token_for(clerk)
    batch_id = _api_upload(clerk, token, person_add_sheet([person_add_row(0)])).get_json()["id"]
    refused = clerk.post(f"/api/v1/batches/{batch_id}/confirm", headers=bearer(token))
    assert refused.status_code == 409 and "不是预览批次" in refused.get_json()["error"]["message"]


def test_openapi_documents_preview(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    changes = spec["paths"]["/api/v1/batches/{batch_id}/changes"]["get"]
    assert {p["name"] for p in changes["parameters"]} == {"action", "row", "offset", "limit"}
    assert "post" in spec["paths"]["/api/v1/batches/{batch_id}/confirm"]
    form = spec["paths"]["/api/v1/batches"]["post"]["requestBody"]["content"]
    assert {"preview", "dry_run"} <= set(form["multipart/form-data"]["schema"]["properties"])
