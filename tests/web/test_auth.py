"""登录, lockout, 退出 and 密码修改 through the browser forms."""

from __future__ import annotations

import pytest

from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD, login

pytestmark = pytest.mark.integration


def test_login_page_has_labelled_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="username">用户名</label>' in html
    assert '<label for="password">密码</label>' in html
    assert "330682 加 8 位单位社保编码" in html


def test_anonymous_visitor_is_sent_to_login_and_back(client):
    response = client.get("/queries/batches")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/queries/batches")
    response = client.post(
        "/login?next=/queries/batches", data={"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    )
    assert response.headers["Location"] == "/queries/batches"


def test_login_never_redirects_off_site(client):
    response = client.post(
        "/login?next=//evil.example/x", data={"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_successful_login_shows_the_employer(client):
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "上虞示例制造有限公司" in html and "12345678" in html


def test_wrong_password_says_how_many_tries_are_left(client):
    response = login(client, password="wrong-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "用户名或密码不正确" in html and "再错 4 次帐号将被锁定" in html
    assert client.get("/").status_code == 302  # still not logged in


def test_user_name_of_wrong_length_is_explained(client):
    html = login(client, username="3306821234567").get_data(as_text=True)
    assert "用户名应为 14 位" in html and "您输入了 13 位" in html


def test_lockout_after_five_failures_even_with_the_right_password(client):
    for _ in range(4):
        login(client, password="wrong-password")
    html = login(client, password="wrong-password").get_data(as_text=True)
    assert "连续输错密码 5 次, 帐号已锁定 15 分钟" in html
    response = login(client)
    assert response.status_code == 423  # locked answers 423, on the form as on the API
    assert "帐号已锁定" in response.get_data(as_text=True)


def test_logout_ends_the_session(clerk):
    response = clerk.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "您已安全退出" in clerk.get("/login").get_data(as_text=True)
    assert clerk.get("/").status_code == 302


def test_logout_is_post_only(clerk):
    assert clerk.get("/logout").status_code == 405
    assert clerk.get("/").status_code == 200


def _change(client, old: str, new: str, again: str):
    data = {"old_password": old, "new_password": new, "new_password_again": again}
    return client.post("/password", data=data)


def test_password_page_has_three_labelled_fields(clerk):
    html = clerk.get("/password").get_data(as_text=True)
    for label in ("原密码", "新密码", "再次输入新密码"):
        assert f">{label}</label>" in html


@pytest.mark.parametrize(
    ("old", "new", "again", "message"),
    [
        ("not-my-password", "N3w-Passw0rd", "N3w-Passw0rd", "原密码不正确"),
        (CLERK_PASSWORD, "N3w-Passw0rd", "N3w-Passw0rd-typo", "两次输入的新密码不一致"),
        (CLERK_PASSWORD, "short1", "short1", "新密码至少 8 位"),
        (CLERK_PASSWORD, "lettersonly", "lettersonly", "至少两类"),
    ],
)
def test_password_change_refusals_are_explained(clerk, old, new, again, message):
    response = _change(clerk, old, new, again)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_password_change_then_login_with_the_new_one(clerk, client):
    response = _change(clerk, CLERK_PASSWORD, "N3w-Passw0rd", "N3w-Passw0rd")
    assert response.status_code == 302
    assert "密码已修改" in clerk.get("/").get_data(as_text=True)
    assert login(client).status_code == 400
    assert login(client, password="N3w-Passw0rd").status_code == 302


def test_password_change_ends_other_sessions(app, clerk):
    elsewhere = app.test_client()
    assert login(elsewhere).status_code == 302
    assert _change(clerk, CLERK_PASSWORD, "N3w-Passw0rd", "N3w-Passw0rd").status_code == 302
    assert clerk.get("/").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/").status_code == 302  # the other one must log in again


def test_login_page_of_a_logged_in_user_goes_home(clerk):
    response = clerk.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"
