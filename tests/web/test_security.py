"""Security: headers on every response, session cookie flags, CSRF on every form."""

from __future__ import annotations

import io
import re

import pytest

from tests.web.conftest import (
    CLERK_LOGIN,
    CLERK_PASSWORD,
    make_app,
    person_add_row,
    person_add_sheet,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/login", "/", "/static/app.css", "/no-such-page"])
def test_security_headers_on_every_response(clerk, path):
    headers = clerk.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_with_personal_data_are_not_cached(clerk):
    assert clerk.get("/queries/roster").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(client):
    response = client.post("/login", data={"username": CLERK_LOGIN, "password": CLERK_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(db_url, employer_id):
    client = make_app(db_url, SESSION_COOKIE_SECURE=True).test_client()
    response = client.post("/login", data={"username": CLERK_LOGIN, "password": CLERK_PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


@pytest.fixture
def csrf_client(db_url, employer_id):
    """A client of an app with CSRF protection on, as in production."""
    return make_app(db_url, WTF_CSRF_ENABLED=True).test_client()


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login_with_token(client) -> None:
    token = _token(client, "/login")
    data = {"username": CLERK_LOGIN, "password": CLERK_PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def test_login_without_csrf_token_is_refused(csrf_client):
    response = csrf_client.post(
        "/login", data={"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    )
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert csrf_client.get("/").status_code == 302


def test_forms_without_csrf_token_are_refused(csrf_client, db_url):
    _login_with_token(csrf_client)
    form = {"file": (io.BytesIO(person_add_sheet([person_add_row(0)])), "a.xlsx")}
    assert (
        csrf_client.post(
            "/declare/person_add", data=form, content_type="multipart/form-data"
        ).status_code
        == 400
    )
    data = {
        "old_password": CLERK_PASSWORD,
        "new_password": "N3w-Passw0rd",
        "new_password_again": "N3w-Passw0rd",
    }
    assert csrf_client.post("/password", data=data).status_code == 400
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/").status_code == 200  # still logged in, nothing changed


def test_forms_with_the_token_work(csrf_client):
    _login_with_token(csrf_client)
    token = _token(csrf_client, "/declare/person_add")
    form = {
        "file": (io.BytesIO(person_add_sheet([person_add_row(0)])), "a.xlsx"),
        "csrf_token": token,
    }
    response = csrf_client.post(
        "/declare/person_add", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 302 and "/batches/" in response.headers["Location"]
    logout_token = _token(csrf_client, "/")
    assert csrf_client.post("/logout", data={"csrf_token": logout_token}).status_code == 302


def test_api_is_exempt_from_csrf(csrf_client):
    response = csrf_client.post(
        "/api/v1/token", json={"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    )
    assert response.status_code == 200


def test_oversize_upload_with_csrf_on_still_gets_the_chinese_message(db_url, employer_id):
    client = make_app(db_url, WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=32 * 1024).test_client()
    _login_with_token(client)
    form = {"file": (io.BytesIO(b"0" * 64 * 1024), "big.xlsx")}
    response = client.post("/declare/person_add", data=form, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "超过了 32 KB 的上限" in response.get_data(as_text=True)
