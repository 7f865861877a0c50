"""The new kinds' pages and the pre-filled templates through the test client: the second
download link, the download itself, and an upload of it with two rows filled; the same
through the API (`?prefill=1`, OpenAPI documented)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.web.conftest import (
    REVIEWER_LOGIN,
    REVIEWER_PASSWORD,
    XLSX_MIME,
    batch_id_of,
    make_id,
    person_add_row,
    person_add_sheet,
    upload,
)

pytestmark = pytest.mark.integration

PREFILL_KINDS = ("person_remove", "insurance_add", "insurance_remove")


def staff(clerk, count: int = 4) -> None:
    """`count` persons enrolled here this month (all but 失业保险)."""
    rows = [person_add_row(n, 失业保险="否") for n in range(count)]
    response = upload(clerk, person_add_sheet(rows))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("kind", "title"), [("insurance_add", "人员险种增加"), ("insurance_remove", "人员险种减少")]
)
def test_new_kinds_have_their_page_and_menu_link(clerk, kind, title):
    html = clerk.get(f"/declare/{kind}").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html and f'action="/declare/{kind}"' in html
    assert f'href="/declare/{kind}"' in clerk.get("/").get_data(as_text=True)


@pytest.mark.parametrize("kind", PREFILL_KINDS)
def test_kinds_acting_on_people_here_offer_the_second_download(clerk, kind):
    html = clerk.get(f"/declare/{kind}").get_data(as_text=True)
    assert f'href="/declare/{kind}/template.xlsx?prefill=1"' in html
    assert "含本单位在职人员" in html


def test_person_add_has_no_prefilled_template(clerk):
    assert "prefill=1" not in clerk.get("/declare/person_add").get_data(as_text=True)
    assert clerk.get("/declare/person_add/template.xlsx?prefill=1").status_code == 404


def test_prefilled_download_round_trip(clerk, db_url):
    staff(clerk)
    response = clerk.get("/declare/insurance_add/template.xlsx?prefill=1")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    assert 'filename="insurance_add_prefilled.xlsx"' in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb.worksheets[0]
    ids = [ws.cell(r, 2).value for r in range(3, 7)]
    assert ids == sorted(make_id(n) for n in range(4))
    for row in (3, 5):
        ws.cell(row, 3).value, ws.cell(row, 4).value = "失业保险", "202611"
    buf = io.BytesIO()
    wb.save(buf)
    batch_id = batch_id_of(upload(clerk, buf.getvalue(), "/declare/insurance_add", "险种增加.xlsx"))
    from registry.models import Batch
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        batch = uow.session.get(Batch, batch_id)
        assert (batch.kind, batch.rows, batch.applied, batch.rejected) == ("insurance_add", 2, 2, 0)
    page = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "表中有 2 行只有预填的姓名、证件号码" in page


def test_reviewer_gets_no_prefilled_template(app, db_url):
    from registry.accounts import create_reviewer
    from registry.uow import UnitOfWork
    from tests.web.conftest import login

    with UnitOfWork.for_url(db_url) as uow:
        create_reviewer(uow.session, REVIEWER_LOGIN, REVIEWER_PASSWORD)
        uow.commit()
    client = app.test_client()
    assert login(client, REVIEWER_LOGIN, REVIEWER_PASSWORD).status_code == 302
    assert client.get("/declare/person_remove/template.xlsx?prefill=1").status_code == 404


# --- API ------------------------------------------------------------------------------------


def _token(client, username: str, password: str) -> dict[str, str]:
    resp = client.post("/api/v1/token", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def test_api_prefilled_template(clerk, client):
    from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD

    staff(clerk, 3)
    auth = _token(client, CLERK_LOGIN, CLERK_PASSWORD)
    resp = client.get("/api/v1/templates/person_remove.xlsx?prefill=1", headers=auth)
    assert resp.status_code == 200 and resp.mimetype == XLSX_MIME
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert [ws.cell(r, 2).value for r in range(3, 6)] == sorted(make_id(n) for n in range(3))
    empty = client.get("/api/v1/templates/person_remove.xlsx?prefill=0", headers=auth)
    assert load_workbook(io.BytesIO(empty.data)).worksheets[0].cell(3, 2).value is None
    no_prefill = client.get("/api/v1/templates/person_add.xlsx?prefill=1", headers=auth)
    assert no_prefill.status_code == 404 and no_prefill.get_json()["error"]["code"] == "no_prefill"
    bad = client.get("/api/v1/templates/person_remove.xlsx?prefill=maybe", headers=auth)
    assert bad.status_code == 400


def test_api_reviewer_cannot_download_a_prefilled_template(client, db_url):
    from registry.accounts import create_reviewer
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        create_reviewer(uow.session, REVIEWER_LOGIN, REVIEWER_PASSWORD)
        uow.commit()
    auth = _token(client, REVIEWER_LOGIN, REVIEWER_PASSWORD)
    resp = client.get("/api/v1/templates/person_remove.xlsx?prefill=1", headers=auth)
    assert resp.status_code == 403


def test_openapi_documents_the_prefill_parameter(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    path = doc["paths"]["/api/v1/templates/{kind}.xlsx"]
    assert "prefill" in [p["name"] for p in path["parameters"]]
    assert {"insurance_add", "insurance_remove"} <= set(path["parameters"][0]["schema"]["enum"])
