"""撤销本批次 on the pages and in the API, on SQLite and PostgreSQL: the confirmation step
says what will happen, the CSRF-checked POST undoes (run inline here, as the worker
would), the batch page, list and chain say 已撤销 with who and when and list the kept
rows; reviewers may undo; another employer gets 404; outside the window 409 in Chinese.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from importer.undo import run_undo
from registry.assess import assess_month
from registry.models import AuditEntry, Batch
from registry.uow import UnitOfWork
from tests.web.conftest import (
    CLERK_LOGIN,
    CLERK_PASSWORD,
    OTHER_LOGIN,
    OTHER_PASSWORD,
    REVIEWER_LOGIN,
    batch_id_of,
    login,
    make_app,
    person_add_row,
    person_add_sheet,
    upload,
)
from tests.web.test_api import assert_json_error, bearer, schema_validator, token_for

pytestmark = pytest.mark.integration


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def app(db_url, employer_id):
    """The app with undos run inline (the worker's `run_undo`, at once)."""
    return make_app(
        db_url, UNDO_ENQUEUE=lambda batch_id: run_undo(UnitOfWork.for_url(db_url), batch_id)
    )


@pytest.fixture
def clerk(app):
    client = app.test_client()
    assert login(client).status_code == 302
    return client


def _store_undone(db_url: str, batch_id: int, reverted: int, kept_rows: int) -> None:
    """Mark the batch undone with a stored result keeping `kept_rows` rows (Excel rows 3
    on, each with its own reason): a big undo's page and API answers without running one."""
    import json

    kept = [{"row": r, "reason": f"第{r}行的原因"} for r in range(3, 3 + kept_rows)]
    result = json.dumps({"reverted": reverted, "kept": kept, "withdrawn": 0}, ensure_ascii=False)
    with UnitOfWork.for_url(db_url) as uow:
        uow.session.execute(
            text(
                "UPDATE batches SET undo_status = 'done', undone_by = 'c', "
                "undone_at = CURRENT_TIMESTAMP, undo_result = :r WHERE id = :b"
            ),
            {"r": result, "b": batch_id},
        )
        uow.commit()


def _batch(clerk, *rows) -> int:
    return batch_id_of(upload(clerk, person_add_sheet(list(rows))))


def _get(db_url: str, batch_id: int) -> Batch:
    with UnitOfWork.for_url(db_url) as uow:
        return uow.session.get(Batch, batch_id)


def test_confirm_then_undo_on_the_batch_page(clerk, db_url):
    batch_id = _batch(clerk, person_add_row(0), person_add_row(1))
    page = _text(clerk.get(f"/batches/{batch_id}"))
    assert "撤销本批次" in page and f"/batches/{batch_id}/undo" in clerk.get(
        f"/batches/{batch_id}"
    ).get_data(as_text=True)
    confirm = clerk.get(f"/batches/{batch_id}/undo")
    assert confirm.status_code == 200
    said = _text(confirm)
    assert "2 行恢复到申报前的样子" in said and "0 行保留不撤销" in said
    assert "又被其他申报或审核改动过的行" in said and "确认撤销本批次" in said
    done = clerk.post(f"/batches/{batch_id}/undo")
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/batches/{batch_id}#undo"
    )
    batch = _get(db_url, batch_id)
    assert (batch.undo_status, batch.undone_by, batch.applied) == ("done", CLERK_LOGIN, 0)
    shown = _text(clerk.get(f"/batches/{batch_id}"))
    assert "本批次已撤销" in shown and CLERK_LOGIN in shown and "2 行恢复到申报前" in shown
    assert "已撤销" in _text(clerk.get("/declare/person_add"))  # the kind's last batches
    again = clerk.post(f"/batches/{batch_id}/undo", follow_redirects=True)
    assert "已经撤销过" in _text(again)
    with UnitOfWork.for_url(db_url) as uow:
        entries = uow.session.query(AuditEntry).filter_by(action="batch_undone").all()
        assert [(e.actor, e.detail["reverted"]) for e in entries] == [(CLERK_LOGIN, 2)]


def test_kept_rows_and_reasons_on_the_page_and_the_chain(clerk, db_url):
    first = _batch(clerk, person_add_row(3), person_add_row(4))
    with UnitOfWork.for_url(db_url) as uow:  # another writer changed row 4's phone since
        uow.session.execute(
            text("UPDATE persons SET phone = '13700000000' WHERE id_number = :p"),
            {"p": person_add_row(4)[2]},
        )
        uow.commit()
    assert "1 行保留不撤销" in _text(clerk.get(f"/batches/{first}/undo"))
    clerk.post(f"/batches/{first}/undo")
    page = _text(clerk.get(f"/batches/{first}"))
    assert "联系电话现为「13700000000」" in page and "没有撤销的原因" in page
    assert "撤销的行再次上传会重新申报" in page and "会显示为「无变化」" not in page
    assert "1 行恢复到申报前" in page
    sheet = person_add_sheet([person_add_row(3)])
    second = batch_id_of(upload(clerk, sheet, url=f"/batches/{first}/resubmit"))
    chain = clerk.get(f"/batches/{second}").get_data(as_text=True)
    assert "本表格的历次提交" in chain and "已撤销" in chain
    assert _get(db_url, second).applied == 1  # the undone row applies again


def test_csrf_is_required(db_url, employer_id):
    app = make_app(db_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" [^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": CLERK_LOGIN, "password": CLERK_PASSWORD,
                                "csrf_token": token})  # fmt: skip
    batch_id = 1
    assert client.post(f"/batches/{batch_id}/undo").status_code == 400


def test_the_reviewer_can_undo_and_another_employer_cannot(app, clerk, db_url, other_employer):
    batch_id = _batch(clerk, person_add_row(5))
    other = app.test_client()
    assert login(other, OTHER_LOGIN, OTHER_PASSWORD).status_code == 302
    assert other.get(f"/batches/{batch_id}/undo").status_code == 404
    assert other.post(f"/batches/{batch_id}/undo").status_code == 404
    assert _get(db_url, batch_id).undo_status is None
    from registry.accounts import create_reviewer

    with UnitOfWork.for_url(db_url) as uow:
        create_reviewer(uow.session, REVIEWER_LOGIN, "Revi3wer!pw")
        uow.commit()
    reviewer = app.test_client()
    assert login(reviewer, REVIEWER_LOGIN, "Revi3wer!pw").status_code == 302
    assert "撤销本批次" in _text(reviewer.get(f"/batches/{batch_id}"))
    assert reviewer.post(f"/batches/{batch_id}/undo").status_code == 302
    assert _get(db_url, batch_id).undone_by == REVIEWER_LOGIN


def test_api_undo(app, clerk, db_url, other_employer):
    batch_id = _batch(clerk, person_add_row(6), person_add_row(7))
    client = app.test_client()
    foreign = bearer(token_for(client, OTHER_LOGIN, OTHER_PASSWORD))
    assert_json_error(client.post(f"/api/v1/batches/{batch_id}/undo", headers=foreign), 404)
    mine = bearer(token_for(client))
    started = client.post(f"/api/v1/batches/{batch_id}/undo", headers=mine)
    assert started.status_code == 202, started.get_json()
    body = started.get_json()
    schema_validator(client, "UndoStarted").validate(body)
    batch = client.get(f"/api/v1/batches/{batch_id}", headers=mine).get_json()
    schema_validator(client, "Batch").validate(batch)
    assert batch["undo"]["status"] == "done" and batch["undo"]["reverted"] == 2
    assert batch["undo"]["kept"] == [] and batch["undo"]["by"] == CLERK_LOGIN
    again = client.post(f"/api/v1/batches/{batch_id}/undo", headers=mine)
    assert again.status_code == 200 and again.get_json()["undo"] == batch["undo"]


def test_api_refuses_outside_the_window_with_409(app, clerk, db_url):
    batch_id = _batch(clerk, person_add_row(8))
    with UnitOfWork.for_url(db_url) as uow:
        assess_month(uow.session, person_add_row(8)[11])
        uow.commit()
    client = app.test_client()
    resp = client.post(f"/api/v1/batches/{batch_id}/undo", headers=bearer(token_for(client)))
    error = assert_json_error(resp, 409, "undo_window_closed")
    assert "月度核定" in error["message"]
    page = clerk.post(f"/batches/{batch_id}/undo", follow_redirects=True)
    assert "不能再撤销" in _text(page)
    assert _get(db_url, batch_id).undo_status is None
    # The confirmation step is not offered either: the batch page says why at once.
    step = clerk.get(f"/batches/{batch_id}/undo")
    assert step.status_code == 302 and step.headers["Location"].endswith(
        f"/batches/{batch_id}#undo"
    )
    page = _text(clerk.get(step.headers["Location"]))
    assert "不能再撤销" in page and "确认撤销本批次" not in page


def test_a_preview_is_not_offered_the_undo_step(clerk, db_url):
    batch_id = batch_id_of(upload(clerk, person_add_sheet([person_add_row(10)]), dry_run=True))
    page = clerk.get(f"/batches/{batch_id}/undo", follow_redirects=True)
    said = _text(page)
    assert "只校验不申报" in said and "无需撤销" in said
    assert "确认撤销本批次" not in said and "行恢复到申报前的样子" not in said
    assert _get(db_url, batch_id).undo_status is None


def test_an_undo_in_the_worker_shows_its_progress(db_url, employer_id):
    app = make_app(db_url, UNDO_ENQUEUE=lambda _batch_id: None)  # the worker has not run yet
    client = app.test_client()
    assert login(client).status_code == 302
    batch_id = _batch(client, person_add_row(9))
    assert client.post(f"/batches/{batch_id}/undo").status_code == 302
    html = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "正在撤销本批次" in html and 'http-equiv="refresh"' in html
    assert client.get(f"/batches/{batch_id}/undo").status_code == 302  # no second confirmation
    run_undo(UnitOfWork.for_url(db_url), batch_id)
    assert "本批次已撤销" in _text(client.get(f"/batches/{batch_id}"))


def test_a_failed_undo_is_offered_again(app, clerk, db_url):
    """The worker marked the undo failed (an unexpected error): the page says so and offers
    the step again, the API reports it, and undoing again finishes it."""
    batch_id = _batch(clerk, person_add_row(11))
    with UnitOfWork.for_url(db_url) as uow:
        uow.session.execute(
            text("UPDATE batches SET undo_status = 'failed', undone_by = :by WHERE id = :b"),
            {"by": CLERK_LOGIN, "b": batch_id},
        )
        uow.commit()
    page = _text(clerk.get(f"/batches/{batch_id}"))
    assert "上次撤销没有完成" in page and "撤销本批次…" in page
    assert "1 行恢复到申报前的样子" in _text(clerk.get(f"/batches/{batch_id}/undo"))
    client = app.test_client()
    mine = bearer(token_for(client))
    batch = client.get(f"/api/v1/batches/{batch_id}", headers=mine).get_json()
    schema_validator(client, "Batch").validate(batch)
    assert batch["undo"]["status"] == "failed"
    assert clerk.post(f"/batches/{batch_id}/undo").status_code == 302
    assert "本批次已撤销" in _text(clerk.get(f"/batches/{batch_id}"))
    assert _get(db_url, batch_id).undo_result["reverted"] == 1


def test_the_kept_rows_of_a_big_undo_are_paged(clerk, db_url):
    """An undo may keep every row of a 100,000-row batch: the page lists them a hundred
    at a time (all of them in one page came to 18 MB)."""
    batch_id = _batch(clerk, person_add_row(12))
    _store_undone(db_url, batch_id, reverted=0, kept_rows=250)
    first = _text(clerk.get(f"/batches/{batch_id}"))
    assert "以下 250 行" in first and "第 1 / 3 页, 共 250 条" in first
    assert "第3行的原因" in first and "第102行的原因" in first and "第103行的原因" not in first
    last = _text(clerk.get(f"/batches/{batch_id}?kpage=3"))
    assert "第203行的原因" in last and "第252行的原因" in last and "第202行的原因" not in last


def test_the_step_of_an_approved_employer_change_says_its_fields_go_back(clerk, db_url):
    from importer.kinds import get_kind
    from importer.kinds.base import Decision
    from importer.review import decide
    from registry.models import Employer
    from tests.builders import xlsx_bytes

    headers = get_kind("employer_change").spec.headers
    cells = {"单位地址": "绍兴市上虞区百官街道市民大道88号"}
    sheet = xlsx_bytes("employer_change", [[cells.get(h, "") for h in headers]])
    batch_id = batch_id_of(upload(clerk, sheet, "/declare/employer_change", "单位信息变更.xlsx"))
    with UnitOfWork.for_url(db_url) as uow:
        declaration = uow.session.execute(
            text("SELECT id FROM declarations WHERE batch_id = :b"), {"b": batch_id}
        ).scalar_one()
        employer_id, address = uow.session.execute(
            text("SELECT employer_id, address FROM batches JOIN employers e "
                 "ON e.id = batches.employer_id WHERE batches.id = :b"), {"b": batch_id}
        ).one()  # fmt: skip
    decide(UnitOfWork.for_url(db_url), declaration, Decision(True, "审核员"))
    said = _text(clerk.get(f"/batches/{batch_id}/undo"))
    assert "1 行恢复到申报前的样子: 已审核通过的单位信息改回变更前的值" in said
    assert "确认撤销本批次" in said
    assert clerk.post(f"/batches/{batch_id}/undo").status_code == 302
    with UnitOfWork.for_url(db_url) as uow:
        assert uow.session.get(Employer, employer_id).address == address


def test_an_undo_that_would_keep_every_row_is_refused_and_its_rows_listed(app, clerk, db_url):
    from importer.kinds import spec_of

    row = person_add_row(13)
    batch_id = _batch(clerk, row)
    with UnitOfWork.for_url(db_url) as uow:  # another writer changed the phone since
        uow.session.execute(
            text("UPDATE persons SET phone = '13700000013' WHERE id_number = :p"),
            {"p": row[spec_of("person_add").headers.index("证件号码")]},
        )
        uow.commit()
    step = clerk.get(f"/batches/{batch_id}/undo")
    assert step.status_code == 200
    said = _text(step)
    assert "本批次的行都已被后来的申报或审核改变, 没有可以撤销的: 1 行都要保留" in said
    assert "联系电话现为「13700000013」" in said and "确认撤销本批次" not in said
    page = _text(clerk.post(f"/batches/{batch_id}/undo", follow_redirects=True))
    assert "没有可以撤销的" in page
    client = app.test_client()
    resp = client.post(f"/api/v1/batches/{batch_id}/undo", headers=bearer(token_for(client)))
    assert "没有可以撤销的" in assert_json_error(resp, 409, "nothing_to_undo")["message"]
    assert _get(db_url, batch_id).undo_status is None


def test_the_batch_list_names_the_first_hundred_kept_rows_and_the_batch_all(app, clerk, db_url):
    """One undo keeping 100,000 rows made every list answer carry them all: the list gives
    `kept_count` and the first 100 (`kept_truncated`), the batch's own URL every one."""
    big, small = _batch(clerk, person_add_row(14)), _batch(clerk, person_add_row(15))
    for batch_id, rows in ((big, 250), (small, 3)):
        _store_undone(db_url, batch_id, reverted=1, kept_rows=rows)
    client = app.test_client()
    mine = bearer(token_for(client))
    listed = client.get("/api/v1/batches", headers=mine).get_json()
    schema_validator(client, "BatchList").validate(listed)
    undos = {b["id"]: b["undo"] for b in listed["batches"]}
    assert (len(undos[big]["kept"]), undos[big]["kept_count"]) == (100, 250)
    assert undos[big]["kept_truncated"] is True
    assert [k["row"] for k in undos[big]["kept"]] == list(range(3, 103))
    assert (len(undos[small]["kept"]), undos[small]["kept_count"]) == (3, 3)
    assert undos[small]["kept_truncated"] is False
    whole = client.get(f"/api/v1/batches/{big}", headers=mine).get_json()
    schema_validator(client, "Batch").validate(whole)
    assert (len(whole["undo"]["kept"]), whole["undo"]["kept_count"]) == (250, 250)
    assert whole["undo"]["kept_truncated"] is False
