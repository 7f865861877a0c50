"""Malformed requests answer in Chinese, never with a 500: NUL characters where a
database refuses them, ids past 32 bits, and a database that has gone away.

The test app propagates any unhandled exception (TESTING), so a 500 fails loudly here.
"""

from __future__ import annotations

import io
import logging

import pytest

from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD, person_add_row, person_add_sheet
from tests.web.test_api import bearer, token_for

pytestmark = pytest.mark.integration

HUGE = 2**31
WEB_ROUTES = ["/batches/{}", "/batches/{}/progress.json", "/batches/{}/report.xlsx",
              "/batches/{}/corrections.xlsx"]  # fmt: skip
API_ROUTES = ["/api/v1/batches/{}", "/api/v1/batches/{}/errors",
              "/api/v1/batches/{}/report.xlsx", "/api/v1/batches/{}/corrections.xlsx"]  # fmt: skip


def test_nul_in_the_user_name_of_the_form(client):
    response = client.post("/login", data={"username": "3306\x008212345678", "password": "x"})
    assert response.status_code == 400
    assert "控制字符" in response.get_data(as_text=True)


def test_nul_in_the_user_name_and_password_of_the_api(client):
    for body in (
        {"username": "a\x00b", "password": "x"},
        {"username": CLERK_LOGIN, "password": "\x00"},
    ):
        response = client.post("/api/v1/token", json=body)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "bad_credentials"


def test_nul_in_next_goes_home(client):
    response = client.post(
        "/login?next=/queries%00", data={"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_nul_in_an_uploaded_file_name(clerk, client):
    data = person_add_sheet([person_add_row(0)])
    form = {"file": (io.BytesIO(data), "人员\x00增加.xlsx")}
    response = clerk.post("/declare/person_add", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    token = token_for(client)
    form = {"file": (io.BytesIO(data), "a\x00.xlsx")}
    api = client.post("/api/v1/batches", data=form, headers=bearer(token))
    assert api.status_code == 202
    assert (
        client.get(api.get_json()["url"], headers=bearer(token)).get_json()["file_name"] == "a.xlsx"
    )


def test_nul_in_filters(clerk, client, done_batch):
    assert clerk.get(f"/batches/{done_batch}?column=%00&rstatus=%00").status_code == 200
    token = token_for(client)
    response = client.get(f"/api/v1/batches/{done_batch}/errors?column=a%00", headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["total"] == 0


def test_unicode_digits_are_not_numbers(clerk, client, done_batch):
    assert clerk.get(f"/batches/{done_batch}?page=²").status_code == 200
    response = client.get(
        f"/api/v1/batches/{done_batch}/errors?offset=²", headers=bearer(token_for(client))
    )
    assert response.status_code == 400


@pytest.mark.parametrize("route", WEB_ROUTES)
def test_huge_ids_on_the_web_are_404(clerk, route):
    assert clerk.get(route.format(HUGE)).status_code == 404
    assert clerk.get(route.format(10**30)).status_code == 404


def test_huge_id_on_resubmit_is_404(clerk):
    data = person_add_sheet([person_add_row(0)])
    form = {"file": (io.BytesIO(data), "a.xlsx")}
    response = clerk.post(
        f"/batches/{HUGE}/resubmit", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("route", API_ROUTES)
def test_huge_ids_on_the_api_are_404(client, route):
    response = client.get(route.format(HUGE), headers=bearer(token_for(client)))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] in ("batch_not_found", "not_found")


def test_huge_resubmit_of_is_404(client):
    form = {"file": (io.BytesIO(person_add_sheet([person_add_row(0)])), "a.xlsx"),
            "resubmit_of": str(HUGE)}  # fmt: skip
    response = client.post("/api/v1/batches", data=form, headers=bearer(token_for(client)))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "batch_not_found"


def test_database_errors_carry_no_parameters(db_url):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from registry.db import get_engine

    with pytest.raises(DBAPIError) as caught, get_engine(db_url).connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "330682199001150031"})
    assert "330682199001150031" not in str(caught.value)


def test_nothing_above_a_warning_is_logged(clerk, client, done_batch, caplog):
    caplog.set_level(logging.INFO)
    clerk.get(f"/batches/{HUGE}")
    client.post("/api/v1/token", json={"username": "a\x00b", "password": "x"})
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
