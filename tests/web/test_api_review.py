"""The review desk's JSON API on SQLite and PostgreSQL: declarations listed and paged,
撤回 by the clerk, the reviewers' queue and decisions, scope and JSON errors, and the
responses matching the OpenAPI schemas."""

from __future__ import annotations

import io

import pytest

from tests.builders import xlsx_bytes
from tests.web.test_api import (
    OTHER_LOGIN,
    OTHER_PASSWORD,
    REVIEWER_LOGIN,
    REVIEWER_PASSWORD,
    assert_json_error,
    bearer,
    reviewer_account,
    schema_validator,
    token_for,
    uploaded_batch,
)

pytestmark = pytest.mark.integration
__all__ = ["reviewer_account"]  # the fixture, imported to be used here
BLANK = [""] * 9


def change_sheet(column: int, value: str) -> bytes:
    row = list(BLANK)
    row[column] = value
    return xlsx_bytes("employer_change", [row])


def declare_change(client, token, column: int = 4, value: str = "李红") -> int:
    files = {"file": (io.BytesIO(change_sheet(column, value)), "变更.xlsx")}
    resp = client.post(
        "/api/v1/batches", data=files, headers=bearer(token), content_type="multipart/form-data"
    )
    assert resp.status_code == 202, resp.get_json()
    listed = client.get(
        "/api/v1/declarations?state=pending_review", headers=bearer(token)
    ).get_json()
    return listed["declarations"][0]["id"]


@pytest.fixture
def reviewer_token(client, reviewer_account):
    return token_for(client, REVIEWER_LOGIN, REVIEWER_PASSWORD)


def test_approve_and_reject_through_the_api(client, reviewer_token):
    clerk = token_for(client)
    first = declare_change(client, clerk)
    queue = client.get("/api/v1/review", headers=bearer(reviewer_token)).get_json()
    assert [d["id"] for d in queue["declarations"]] == [first] and queue["total"] == 1
    schema_validator(client, "DeclarationList").validate(queue)

    resp = client.post(
        f"/api/v1/review/{first}/decide", json={"approve": True}, headers=bearer(reviewer_token)
    )
    assert resp.status_code == 200 and resp.get_json()["state"] == "approved"
    schema_validator(client, "Declaration").validate(resp.get_json())
    again = client.post(
        f"/api/v1/review/{first}/decide", json={"approve": True}, headers=bearer(reviewer_token)
    )
    assert_json_error(again, 409, "already_decided")

    second = declare_change(client, clerk, 0, "乙公司")
    no_reason = client.post(
        f"/api/v1/review/{second}/decide", json={"approve": False}, headers=bearer(reviewer_token)
    )
    assert_json_error(no_reason, 400, "reason_required")
    resp = client.post(f"/api/v1/review/{second}/decide", json={"approve": False, "reason": "名称不符"},
                       headers=bearer(reviewer_token))  # fmt: skip
    assert (resp.get_json()["state"], resp.get_json()["reason"]) == ("rejected", "名称不符")
    mine = client.get("/api/v1/declarations?state=rejected", headers=bearer(clerk)).get_json()
    assert [(d["id"], d["reason"]) for d in mine["declarations"]] == [(second, "名称不符")]
    batch = client.get(
        f"/api/v1/batches/{mine['declarations'][0]['batch']}", headers=bearer(clerk)
    ).get_json()
    assert batch["rejected"] == 1
    errors = client.get(f"/api/v1/batches/{batch['id']}/errors", headers=bearer(clerk)).get_json()
    assert [e["code"] for e in errors["errors"]] == ["review_rejected"]


def test_withdraw_scope_and_roles(client, reviewer_token, other_employer):
    clerk = token_for(client)
    number = declare_change(client, clerk)
    other = token_for(client, OTHER_LOGIN, OTHER_PASSWORD)
    assert_json_error(
        client.post(f"/api/v1/declarations/{number}/withdraw", headers=bearer(other)), 404
    )
    assert client.get("/api/v1/declarations", headers=bearer(other)).get_json()["total"] == 0
    assert_json_error(client.get("/api/v1/review", headers=bearer(clerk)), 403, "forbidden")
    assert_json_error(client.post(f"/api/v1/review/{number}/decide", json={"approve": True},
                                  headers=bearer(clerk)), 403)  # fmt: skip
    assert_json_error(client.post(f"/api/v1/declarations/{number}/withdraw",
                                  headers=bearer(reviewer_token)), 403)  # fmt: skip

    resp = client.post(f"/api/v1/declarations/{number}/withdraw", headers=bearer(clerk))
    assert resp.status_code == 200 and resp.get_json()["state"] == "withdrawn"
    assert_json_error(
        client.post(f"/api/v1/declarations/{number}/withdraw", headers=bearer(clerk)), 409
    )
    assert client.get("/api/v1/review", headers=bearer(reviewer_token)).get_json()["total"] == 0
    bad = client.post(f"/api/v1/review/{number}/decide", data="x", headers=bearer(reviewer_token))
    assert_json_error(bad, 400, "bad_request")
    assert_json_error(client.post("/api/v1/review/999999/decide", json={"approve": True},
                                  headers=bearer(reviewer_token)), 404)  # fmt: skip


def test_declarations_are_paged_and_filtered(client, reviewer_token):
    clerk = token_for(client)
    uploaded_batch(client, clerk)  # 3 person_add rows: 2 applied, 1 rejected
    page = client.get(
        "/api/v1/declarations?kind=person_add&limit=2", headers=bearer(clerk)
    ).get_json()
    assert (page["total"], len(page["declarations"]), page["limit"]) == (3, 2, 2)
    rest = client.get(
        "/api/v1/declarations?kind=person_add&limit=2&offset=2", headers=bearer(clerk)
    )
    assert len(rest.get_json()["declarations"]) == 1
    applied = client.get("/api/v1/declarations?state=applied", headers=bearer(clerk)).get_json()
    assert applied["total"] == 2
    assert_json_error(client.get("/api/v1/declarations?state=nonsense", headers=bearer(clerk)), 400)
    assert_json_error(
        client.get("/api/v1/declarations?date_from=29.11.2026", headers=bearer(clerk)), 400
    )
    everyone = client.get("/api/v1/declarations?employer=12345678", headers=bearer(reviewer_token))
    assert everyone.get_json()["total"] == 3


def test_lists_mask_the_id_number_and_one_declaration_shows_it(client, reviewer_token):
    """The rows of an upload are listed with the ID masked (in id_number and in the
    sheet's 证件号码), and shown in full when one declaration is asked for by its id."""
    clerk = token_for(client)
    assert uploaded_batch(client, clerk)
    listed = client.get("/api/v1/declarations", headers=bearer(clerk)).get_json()
    people = [d for d in listed["declarations"] if d["id_number"]]
    assert people, listed
    for d in people:
        assert "*" * 8 in d["id_number"] and "*" * 8 in d["data"]["证件号码"]
    one = client.get(f"/api/v1/declarations/{people[0]['id']}", headers=bearer(clerk)).get_json()
    assert "*" not in one["id_number"] and one["id_number"] == one["data"]["证件号码"]
    assert one["id_number"].endswith(people[0]["id_number"][-4:])
