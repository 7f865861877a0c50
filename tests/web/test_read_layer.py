"""One read layer for batches: the API's batch list, the column filter by letter, UTF-8
download names, and no page or poll ever selecting the stored upload (file_bytes)."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import event

from registry.db import get_engine
from tests.web.conftest import (
    OTHER_LOGIN,
    OTHER_PASSWORD,
    batch_id_of,
    login,
    make_app,
    person_add_row,
    person_add_sheet,
    upload,
)
from tests.web.test_api import bearer, schema_validator, sheet_with_one_bad_row, token_for

pytestmark = pytest.mark.integration


def _api_upload(client, token, name="人员增加.xlsx", **form) -> int:
    fields = {"file": (io.BytesIO(sheet_with_one_bad_row()), name), **form}
    response = client.post("/api/v1/batches", data=fields, headers=bearer(token))
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def test_api_lists_the_employers_batches_newest_first_in_pages(client, other_employer):
    token = token_for(client)
    ids = [_api_upload(client, token, name=f"第{i}批.xlsx") for i in range(3)]
    _api_upload(client, token_for(client, OTHER_LOGIN, OTHER_PASSWORD))
    first = client.get("/api/v1/batches?limit=2", headers=bearer(token)).get_json()
    schema_validator(client, "BatchList").validate(first)
    assert [b["id"] for b in first["batches"]] == ids[::-1][:2]
    assert first["total"] == 3 and first["offset"] == 0 and first["limit"] == 2
    rest = client.get("/api/v1/batches?offset=2&limit=2", headers=bearer(token)).get_json()
    assert [b["id"] for b in rest["batches"]] == [ids[0]]
    assert rest["batches"][0]["file_name"] == "第0批.xlsx"


def test_api_refuses_a_parameter_given_twice(client):
    token = token_for(client)
    response = client.get("/api/v1/batches?offset=1&offset=2", headers=bearer(token))
    assert response.status_code == 400
    assert "只能出现一次" in response.get_json()["error"]["message"]


def test_column_letter_filters_like_the_header(client, clerk, done_batch):
    token = token_for(client)
    url = f"/api/v1/batches/{done_batch}/errors?column="
    by_name = client.get(url + "证件号码", headers=bearer(token)).get_json()
    letter = by_name["errors"][0]["letter"]
    assert by_name["total"] > 0
    for column in (letter, letter.lower()):
        assert client.get(url + column, headers=bearer(token)).get_json() == {
            **by_name,
            "errors": by_name["errors"],
        }
    page = clerk.get(f"/batches/{done_batch}?column={letter}").get_data(as_text=True)
    assert "没有符合条件的问题" not in page and f"{letter} 证件号码" in page


def _filenames(response) -> tuple[str, str]:
    disposition = response.headers["Content-Disposition"]
    ascii_name = re.search(r'filename="([^"]*)"', disposition).group(1)
    utf8_name = unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    return ascii_name, utf8_name


def test_downloads_carry_utf8_names_and_a_readable_ascii_one(client, clerk, done_batch):
    token = token_for(client)
    api = client.get(f"/api/v1/batches/{done_batch}/report.xlsx", headers=bearer(token))
    assert _filenames(api) == (f"batch_{done_batch}_report.xlsx", f"批次{done_batch}_错误报告.xlsx")
    api = client.get(f"/api/v1/batches/{done_batch}/corrections.xlsx", headers=bearer(token))
    assert _filenames(api)[0] == f"batch_{done_batch}_corrections.xlsx"
    template = client.get("/api/v1/templates/person_add.xlsx", headers=bearer(token))
    assert _filenames(template) == ("person_add.xlsx", "人员增加.xlsx")
    web = clerk.get(f"/batches/{done_batch}/report.xlsx")
    assert _filenames(web) == (f"report_{done_batch}.xlsx", f"错误报告_{done_batch}_人员增加.xlsx")


@pytest.fixture
def selects(db_url):
    """Every SELECT statement sent to the test database while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_no_page_poll_or_list_selects_the_stored_file(db_url, employer_id, selects):
    app = make_app(db_url, ENQUEUE=lambda _batch_id: None)  # batches stay queued
    clerk, api = app.test_client(), app.test_client()
    assert login(clerk).status_code == 302
    first = batch_id_of(upload(clerk, person_add_sheet([person_add_row(0)])))
    form = {"file": (io.BytesIO(person_add_sheet([person_add_row(1)])), "b.xlsx")}
    again = clerk.post(f"/batches/{first}/resubmit", data=form, content_type="multipart/form-data")
    second = batch_id_of(again)
    token = token_for(api)
    _api_upload(api, token, resubmit_of=str(second))
    for path in (
        "/",
        f"/batches/{first}",
        f"/batches/{second}/progress.json",
        "/queries/batches",
        "/queries/batches.xlsx",
        "/declare/",
        "/declare/person_add",
    ):
        assert clerk.get(path).status_code == 200, path
    for path in ("/api/v1/batches", f"/api/v1/batches/{first}", f"/api/v1/batches/{first}/errors"):
        assert api.get(path, headers=bearer(token)).status_code == 200, path
    assert len(selects) > 20
    assert [s for s in selects if "file_bytes" in s] == []
