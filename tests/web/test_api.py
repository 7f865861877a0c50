"""The JSON API `/api/v1` through Flask's test client, on SQLite and on PostgreSQL.

Uploads run the real pipeline synchronously (ENQUEUE = run_batch), so status, counts,
errors and downloads are those a worker would produce.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re

import pytest
from itsdangerous import TimestampSigner

from tests.web.conftest import (
    CLERK_LOGIN,
    CLERK_PASSWORD,
    OTHER_LOGIN,
    OTHER_PASSWORD,
    REVIEWER_LOGIN,
    REVIEWER_PASSWORD,
    XLSX_MIME,
    make_id,
    person_add_row,
    person_add_sheet,
)

pytestmark = pytest.mark.integration

EMPLOYER_LOGIN, EMPLOYER_PASSWORD = CLERK_LOGIN, CLERK_PASSWORD
HAS_CHINESE = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------- helpers
# The app, client, other_employer fixtures and the row builders come from tests/web/conftest.py.


@pytest.fixture
def reviewer_account(db_url):
    """An agency reviewer account (no web session needed: the API uses tokens)."""
    from registry.accounts import create_reviewer
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        create_reviewer(uow.session, REVIEWER_LOGIN, REVIEWER_PASSWORD)
        uow.commit()


def token_for(client, username=EMPLOYER_LOGIN, password=EMPLOYER_PASSWORD) -> str:
    """A bearer token for the given login (asserts success)."""
    resp = client.post("/api/v1/token", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["token"]


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of `token`."""
    return {"Authorization": f"Bearer {token}"}


def sheet_with_one_bad_row() -> bytes:
    """Two correct rows (Excel rows 3, 4) and one with a wrong check character (row 5)."""
    good = make_id(2)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [person_add_row(0), person_add_row(1), person_add_row(2, 证件号码=bad)]
    return person_add_sheet(rows)


def upload(client, token, data: bytes, name="人员增加.xlsx", **form):
    """POST a file to /api/v1/batches with optional form fields."""
    fields = {"file": (io.BytesIO(data), name), **{k: str(v) for k, v in form.items()}}
    return client.post(
        "/api/v1/batches", data=fields, headers=bearer(token), content_type="multipart/form-data"
    )


def uploaded_batch(client, token) -> int:
    """Upload the three-row sheet and return the new batch's id."""
    resp = upload(client, token, sheet_with_one_bad_row())
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()["id"]


def assert_json_error(resp, status: int, code: str | None = None) -> dict:
    """The response is the API's JSON error shape, with a Chinese message."""
    assert resp.status_code == status, resp.data[:500]
    assert resp.mimetype == "application/json"
    error = resp.get_json()["error"]
    assert set(error) == {"code", "message"}
    assert HAS_CHINESE.search(error["message"]), error
    if code is not None:
        assert error["code"] == code, error
    return error


def schema_validator(client, name: str):
    """A JSON-Schema validator for component `name` of the served OpenAPI document."""
    from jsonschema import Draft202012Validator

    spec = client.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return Draft202012Validator(schema)


# ---------------------------------------------------------------- tokens


def test_token_is_issued_and_accepted(client):
    resp = client.post(
        "/api/v1/token", json={"username": EMPLOYER_LOGIN, "password": EMPLOYER_PASSWORD}
    )
    schema_validator(client, "Token").validate(resp.get_json())
    token = resp.get_json()["token"]
    resp = client.get("/api/v1/batches/1", headers=bearer(token))
    assert_json_error(resp, 404, "batch_not_found")  # authenticated, just nothing there


def test_wrong_password_is_401_in_chinese(client):
    resp = client.post("/api/v1/token", json={"username": EMPLOYER_LOGIN, "password": "nope"})
    assert_json_error(resp, 401, "bad_credentials")
    resp = client.post("/api/v1/token", json={"username": "nobody", "password": "nope"})
    assert_json_error(resp, 401, "bad_credentials")


def test_token_request_without_json_is_400(client):
    resp = client.post("/api/v1/token", data="username=x")
    assert_json_error(resp, 400, "bad_request")


def test_lockout_is_shared_with_the_web_login(client, app):
    limit = app.config["LOGIN_MAX_FAILURES"]
    # Failures on the web form and on the API count against the same account.
    for _ in range(limit - 1):
        client.post("/login", data={"username": EMPLOYER_LOGIN, "password": "wrong-1"})
    resp = client.post("/api/v1/token", json={"username": EMPLOYER_LOGIN, "password": "wrong-2"})
    error = assert_json_error(resp, 423, "account_locked")
    assert "锁定" in error["message"]
    # Even the right password is refused while locked.
    resp = client.post(
        "/api/v1/token", json={"username": EMPLOYER_LOGIN, "password": EMPLOYER_PASSWORD}
    )
    assert_json_error(resp, 423, "account_locked")


def test_missing_or_malformed_token_is_401(client):
    resp = client.get("/api/v1/batches/1")
    assert_json_error(resp, 401, "missing_token")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    resp = client.get("/api/v1/batches/1", headers={"Authorization": "Basic abc"})
    assert_json_error(resp, 401, "invalid_token")
    resp = client.get("/api/v1/batches/1", headers=bearer("forged.token.value"))
    assert_json_error(resp, 401, "invalid_token")


def test_expired_token_is_401(client, monkeypatch):
    thirteen_hours_ago = int(dt.datetime.now().timestamp()) - 13 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: thirteen_hours_ago)
    token = token_for(client)
    monkeypatch.undo()
    resp = client.get("/api/v1/batches/1", headers=bearer(token))
    assert_json_error(resp, 401, "token_expired")


def test_password_change_revokes_tokens(client, db_url):
    from sqlalchemy import select

    from registry.accounts import change_password
    from registry.models import User
    from registry.uow import UnitOfWork

    token = token_for(client)
    with UnitOfWork.for_url(db_url) as uow:
        user = uow.session.scalar(select(User).where(User.username == EMPLOYER_LOGIN))
        change_password(uow.session, user, EMPLOYER_PASSWORD, "N3w-Passw0rd", "N3w-Passw0rd")
        uow.commit()
    resp = client.get("/api/v1/batches/1", headers=bearer(token))
    assert_json_error(resp, 401, "invalid_token")
    token_for(client, password="N3w-Passw0rd")


# ---------------------------------------------------------------- uploads and batches


def test_upload_runs_the_batch_and_reports_counts(client):
    token = token_for(client)
    resp = upload(client, token, sheet_with_one_bad_row())
    assert resp.status_code == 202
    created = resp.get_json()
    assert set(created) == {"id", "status", "url"}
    schema_validator(client, "BatchCreated").validate(created)
    assert created["url"].endswith(f"/api/v1/batches/{created['id']}")
    assert resp.headers["Location"] == created["url"]
    assert created["status"] == "done"  # ENQUEUE ran the batch synchronously

    batch = client.get(created["url"], headers=bearer(token)).get_json()
    schema_validator(client, "Batch").validate(batch)
    assert batch["status"] == "done" and batch["kind"] == "person_add"
    assert (batch["rows"], batch["applied"], batch["rejected"]) == (3, 2, 1)
    assert batch["progress"]["done"] == batch["progress"]["total"]
    assert batch["file_name"] == "人员增加.xlsx" and batch["error"] is None
    assert batch["resubmit_of"] is None and batch["created_at"].endswith("Z")


def test_wrong_template_fails_the_batch_with_one_message(client):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "品名", "数量"])
    book.active.append(["1", "螺丝", "100"])
    buffer = io.BytesIO()
    book.save(buffer)
    token = token_for(client)
    resp = upload(client, token, buffer.getvalue(), name="库存.xlsx")
    assert resp.status_code == 202
    batch = client.get(resp.get_json()["url"], headers=bearer(token)).get_json()
    schema_validator(client, "Batch").validate(batch)
    assert batch["status"] == "failed"
    assert batch["error"]["code"] and HAS_CHINESE.search(batch["error"]["message"])
    resp = client.get(f"/api/v1/batches/{batch['id']}/report.xlsx", headers=bearer(token))
    assert_json_error(resp, 409, "batch_not_done")


def test_errors_have_the_cli_shape_and_filter(client):
    token = token_for(client)
    batch_id = uploaded_batch(client, token)
    resp = client.get(f"/api/v1/batches/{batch_id}/errors", headers=bearer(token))
    body = resp.get_json()
    schema_validator(client, "RowErrorList").validate(body)
    keys = {"row", "column", "letter", "value", "code", "message", "severity"}
    assert body["errors"] and all(set(e) == keys for e in body["errors"])
    # Whole-file notes (row null) come first, then Excel rows in order.
    rows = [(e["row"] is not None, e["row"] or 0) for e in body["errors"]]
    assert rows == sorted(rows)
    bad = [e for e in body["errors"] if e["column"] == "证件号码" and e["severity"] == "error"]
    assert bad and bad[0]["row"] == 5 and bad[0]["letter"] == "C"

    url = f"/api/v1/batches/{batch_id}/errors?severity=error&column=证件号码"
    filtered = client.get(url, headers=bearer(token)).get_json()["errors"]
    assert filtered == bad
    resp = client.get(f"/api/v1/batches/{batch_id}/errors?severity=fatal", headers=bearer(token))
    assert_json_error(resp, 400, "bad_option")


def test_errors_page_by_offset_and_limit_with_the_total(client):
    token = token_for(client)
    rows = [person_add_row(0, 月缴费工资="1000"), person_add_row(1, 联系电话="1")]
    resp = upload(client, token, person_add_sheet(rows))  # a warning and an error
    batch_id = resp.get_json()["id"]
    url = f"/api/v1/batches/{batch_id}/errors"
    everything = client.get(url, headers=bearer(token)).get_json()
    assert everything["total"] == len(everything["errors"]) >= 2
    assert everything["offset"] == 0 and everything["limit"] is None
    pages = []
    for offset in range(everything["total"]):
        body = client.get(f"{url}?offset={offset}&limit=1", headers=bearer(token)).get_json()
        schema_validator(client, "RowErrorList").validate(body)
        assert body["total"] == everything["total"] and body["limit"] == 1
        pages.extend(body["errors"])
    assert pages == everything["errors"]
    errors_only = client.get(f"{url}?severity=error&limit=1", headers=bearer(token)).get_json()
    assert errors_only["total"] == sum(e["severity"] == "error" for e in everything["errors"])
    for bad in ("limit=0", "limit=10001", "limit=x", "offset=-1"):
        assert_json_error(client.get(f"{url}?{bad}", headers=bearer(token)), 400, "bad_option")


def test_report_and_corrections_download(client):
    token = token_for(client)
    batch_id = uploaded_batch(client, token)
    for name in ("report.xlsx", "corrections.xlsx"):
        resp = client.get(f"/api/v1/batches/{batch_id}/{name}", headers=bearer(token))
        assert resp.status_code == 200, resp.data[:300]
        assert resp.mimetype == XLSX_MIME and resp.data.startswith(b"PK")
        assert "attachment" in resp.headers["Content-Disposition"]


def test_downloads_wait_for_a_finished_batch(client, db_url, employer_id):
    from importer.batches import create_batch
    from registry.uow import UnitOfWork

    token = token_for(client)
    queued = create_batch(UnitOfWork.for_url(db_url), employer_id, "a.xlsx", b"PK..")
    batch = client.get(f"/api/v1/batches/{queued}", headers=bearer(token)).get_json()
    assert batch["status"] == "queued"
    resp = client.get(f"/api/v1/batches/{queued}/report.xlsx", headers=bearer(token))
    assert_json_error(resp, 409, "batch_not_done")


def test_template_download(client):
    from importer.kinds import SPECS as KINDS

    token = token_for(client)
    for kind in KINDS:
        resp = client.get(f"/api/v1/templates/{kind}.xlsx", headers=bearer(token))
        assert resp.status_code == 200 and resp.mimetype == XLSX_MIME
        assert resp.data.startswith(b"PK")
    resp = client.get("/api/v1/templates/no_such_kind.xlsx", headers=bearer(token))
    assert_json_error(resp, 404, "unknown_kind")


def test_resubmission_links_to_the_original(client):
    token = token_for(client)
    first = uploaded_batch(client, token)
    resp = upload(client, token, sheet_with_one_bad_row(), resubmit_of=first, kind="person_add")
    assert resp.status_code == 202
    second = client.get(resp.get_json()["url"], headers=bearer(token)).get_json()
    assert second["resubmit_of"] == first
    # Rows applied by the first upload are not applied twice.
    assert second["applied"] == 0 and second["unchanged"] == 2


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"kind": "no_such_kind"}, 400, "unknown_kind"),
        ({"dry_run": "maybe"}, 400, "bad_option"),
        ({"resubmit_of": "abc"}, 400, "bad_option"),
        ({"resubmit_of": "999999"}, 404, "batch_not_found"),
    ],
)
def test_bad_upload_options(client, form, status, code):
    token = token_for(client)
    assert_json_error(upload(client, token, sheet_with_one_bad_row(), **form), status, code)


def test_upload_without_file_is_400(client):
    resp = client.post("/api/v1/batches", data={}, headers=bearer(token_for(client)))
    assert_json_error(resp, 400, "missing_file")


def test_dry_run_applies_nothing(client):
    token = token_for(client)
    resp = upload(client, token, sheet_with_one_bad_row(), dry_run="true", all_or_nothing="0")
    batch = client.get(resp.get_json()["url"], headers=bearer(token)).get_json()
    assert batch["status"] == "done" and batch["applied"] == 0


def test_renamed_text_file_is_rejected(client):
    token = token_for(client)
    resp = upload(client, token, "姓名,证件号码\n张三,1\n".encode(), name="名册.xlsx")
    error = assert_json_error(resp, 415, "renamed_file")
    assert "扩展名" in error["message"]


def test_oversize_upload_is_413_in_chinese(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    token = token_for(client)
    resp = upload(client, token, os.urandom(128 * 1024))
    error = assert_json_error(resp, 413)
    assert "上限" in error["message"]


# ---------------------------------------------------------------- scoping and roles


def test_another_employers_batch_is_404_like_a_missing_one(client, other_employer):
    theirs = uploaded_batch(client, token_for(client, OTHER_LOGIN, OTHER_PASSWORD))
    mine = token_for(client)
    missing_id = theirs + 1000
    for suffix in ("", "/errors", "/report.xlsx", "/corrections.xlsx"):
        other = client.get(f"/api/v1/batches/{theirs}{suffix}", headers=bearer(mine))
        missing = client.get(f"/api/v1/batches/{missing_id}{suffix}", headers=bearer(mine))
        assert_json_error(other, 404, "batch_not_found")
        assert other.data == missing.data
    resp = upload(client, mine, sheet_with_one_bad_row(), resubmit_of=theirs)
    assert resp.status_code == 404 and resp.data == missing.data


def test_reviewer_reads_every_batch_but_cannot_upload(client, reviewer_account):
    batch_id = uploaded_batch(client, token_for(client))
    token = token_for(client, REVIEWER_LOGIN, REVIEWER_PASSWORD)
    assert client.get(f"/api/v1/batches/{batch_id}", headers=bearer(token)).status_code == 200
    resp = client.get(f"/api/v1/batches/{batch_id}/errors", headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["errors"]
    resp = client.get(f"/api/v1/batches/{batch_id}/report.xlsx", headers=bearer(token))
    assert resp.status_code == 200
    assert_json_error(upload(client, token, sheet_with_one_bad_row()), 403, "forbidden")


# ---------------------------------------------------------------- errors and the document


def test_errors_under_the_api_are_json(client, monkeypatch):
    assert_json_error(client.get("/api/v1/no/such/path"), 404, "not_found")
    resp = client.delete("/api/v1/batches/1")
    assert_json_error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr("web.api.create_batch", broken)
    resp = upload(client, token_for(client), sheet_with_one_bad_row())
    assert_json_error(resp, 500, "internal_error")
    assert b"exploded" not in resp.data and b"Traceback" not in resp.data


def _openapi_validate():
    try:
        from openapi_spec_validator import validate
    except ImportError:
        from tests.conftest import service_missing

        service_missing("openapi-spec-validator (pip install openapi-spec-validator)")
    return validate


def test_openapi_document_is_valid_and_complete(app, client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    spec = resp.get_json()
    _openapi_validate()(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"Batch", "Error", "RowError"} <= set(spec["components"]["schemas"])
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods)
    assert set(routes) == set(spec["paths"])
    for path, methods in routes.items():
        assert methods - {"head", "options"} <= set(spec["paths"][path]), path


def test_error_bodies_match_the_error_schema(client):
    validator = schema_validator(client, "Error")
    validator.validate(client.get("/api/v1/batches/1").get_json())
    validator.validate(client.get("/api/v1/nowhere").get_json())
