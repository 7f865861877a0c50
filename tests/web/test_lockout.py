"""Lockout under parallel guessing, and answers that do not tell known names from unknown.

Real threads against the real app on SQLite and PostgreSQL: every thread posts at the
same moment (a barrier), and every real password check is counted.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import registry.accounts as accounts
from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD, login

pytestmark = pytest.mark.integration

UNKNOWN_LOGIN = "33068299999999"


@pytest.fixture
def checks(monkeypatch):
    """Counts the password checks actually made (and how many of them failed)."""
    counted = {"all": 0, "wrong": 0}
    lock = threading.Lock()
    real = accounts.verify_password

    def counting(password_hash: str, password: str) -> bool:
        ok = real(password_hash, password)
        with lock:
            counted["all"] += 1
            counted["wrong"] += not ok
        return ok

    monkeypatch.setattr(accounts, "verify_password", counting)
    return counted


def _parallel_token_requests(app, passwords: list[str], username: str = CLERK_LOGIN) -> list:
    barrier = threading.Barrier(len(passwords))

    def attempt(password: str):
        client = app.test_client()
        barrier.wait()
        return client.post("/api/v1/token", json={"username": username, "password": password})

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def test_sixteen_parallel_guesses_get_five_checks(app, checks):
    responses = _parallel_token_requests(app, [f"guess-{i}" for i in range(16)])
    statuses = sorted(r.status_code for r in responses)
    assert checks["all"] == app.config["LOGIN_MAX_FAILURES"] == 5
    assert statuses == [401] * 4 + [423] * 12  # the fifth wrong one locks
    right = app.test_client().post(
        "/api/v1/token", json={"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    )
    assert right.status_code == 423


def test_right_password_among_thirty_wrong_ones_leaves_the_name_locked(app, checks):
    passwords = (
        [f"guess-{i}" for i in range(15)] + [CLERK_PASSWORD] + [f"guess-{i}" for i in range(15, 30)]
    )
    responses = _parallel_token_requests(app, passwords)
    assert checks["wrong"] <= 5
    assert sum(r.status_code == 423 for r in responses) >= 25
    right = app.test_client().post(
        "/api/v1/token", json={"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    )
    assert right.status_code == 423
    assert "帐号已锁定" in right.get_json()["error"]["message"]


def test_mistakes_then_the_right_password_start_the_count_again(client, checks):
    for _ in range(4):
        assert login(client, password="wrong").status_code == 400
    assert login(client).status_code == 302
    client.post("/logout")
    html = login(client, password="wrong").get_data(as_text=True)
    assert "再错 4 次帐号将被锁定" in html


def _api_answers(client, username: str) -> list[tuple[int, dict]]:
    answers = []
    for i in range(7):
        r = client.post("/api/v1/token", json={"username": username, "password": f"w{i}"})
        answers.append((r.status_code, r.get_json()))
    return answers


def test_known_and_unknown_names_answer_alike_on_the_api(client):
    known, unknown = _api_answers(client, CLERK_LOGIN), _api_answers(client, UNKNOWN_LOGIN)
    assert known == unknown
    assert [status for status, _ in known] == [401, 401, 401, 401, 423, 423, 423]
    assert known[0][1]["error"]["message"] == "用户名或密码不正确。再错 4 次帐号将被锁定。"
    assert "请 15 分钟后再试" in known[5][1]["error"]["message"]


def _form_answers(client, username: str) -> list[tuple[int, str]]:
    answers = []
    for i in range(7):
        r = login(client, username=username, password=f"w{i}")
        html = r.get_data(as_text=True)
        message = html.split('role="alert"', 1)[-1].split("</", 1)[0] if "alert" in html else ""
        answers.append((r.status_code, message))
    return answers


def test_known_and_unknown_names_answer_alike_on_the_form(client):
    known, unknown = _form_answers(client, CLERK_LOGIN), _form_answers(client, UNKNOWN_LOGIN)
    assert known == unknown
    assert [status for status, _ in known] == [400, 400, 400, 400, 423, 423, 423]
    assert "再错 3 次帐号将被锁定" in known[1][1]
    assert "帐号已锁定" in known[6][1]


def test_a_lock_ends_after_its_time(app, client, db_url):
    from sqlalchemy import update

    from registry.models import LoginAttempt, utcnow
    from registry.uow import UnitOfWork

    for i in range(5):
        login(client, password=f"w{i}")
    assert login(client).status_code == 423
    with UnitOfWork.for_url(db_url) as uow:
        uow.session.execute(update(LoginAttempt).values(locked_until=utcnow()))
        uow.commit()
    assert login(client).status_code == 302


def test_lapsed_counts_are_purged_and_live_ones_kept(app, client, db_url, monkeypatch):
    """A spray of made-up names leaves no rows once their counts lapse; a name locked
    now, or failing within the lock period, keeps its row (and its lock)."""
    import datetime as dt

    from sqlalchemy import func, select, update

    import registry.lockout as lockout
    from registry.models import LoginAttempt, utcnow
    from registry.uow import UnitOfWork

    for n in range(30):
        login(client, username=f"3306829{n:07d}", password="wrong")
    for i in range(5):
        login(client, password=f"w{i}")  # the clerk's name: locked now
    long_ago = utcnow() - dt.timedelta(hours=3)
    with UnitOfWork.for_url(db_url) as uow:
        sprayed = LoginAttempt.name.like("3306829%")
        uow.session.execute(update(LoginAttempt).where(sprayed).values(last_attempt_at=long_ago))
        uow.commit()
    monkeypatch.setattr(lockout.random, "randrange", lambda n: 0)  # this attempt purges
    login(client, username=UNKNOWN_LOGIN, password="wrong")
    with UnitOfWork.for_url(db_url) as uow:
        names = set(uow.session.scalars(select(LoginAttempt.name)))
        assert uow.session.scalar(select(func.count()).select_from(LoginAttempt)) == 2
    assert names == {CLERK_LOGIN, UNKNOWN_LOGIN}
    assert login(client).status_code == 423  # the clerk's lock survived the purge
