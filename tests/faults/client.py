"""A small HTTP client for fault and load tests: API tokens and uploads, and a browser-like
session (cookie + CSRF token) for the HTML batch page. Standard library only.

This module holds no tests.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _open(opener, request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def api_token(base: str, username: str, password: str) -> str:
    """A bearer token for the user."""
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/token", data=body, headers={"Content-Type": "application/json"}
    )
    status, answer = _open(urllib.request.build_opener(), request)
    assert status == 200, (status, answer[:500])
    return json.loads(answer)["token"]


def api_upload(base: str, token: str, file_name: str, data: bytes) -> int:
    """Upload a sheet through the API; returns the new batch's id."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: {XLSX}\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/api/v1/batches",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    status, answer = _open(urllib.request.build_opener(), request)
    assert status == 202, (status, answer[:500])
    return json.loads(answer)["id"]


class Browser:
    """A logged-in web session (cookies kept), as a clerk's browser would be."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        status, page = _open(self.opener, urllib.request.Request(f"{base}/login"))
        assert status == 200, status
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, "no CSRF token on the login page"
        form = urllib.parse.urlencode(
            {"csrf_token": found.group(1).decode(), "username": username, "password": password}
        ).encode()
        status, page = _open(self.opener, urllib.request.Request(f"{base}/login", data=form))
        assert status == 200 and b'name="password"' not in page, (status, page[:300])

    def get(self, path: str) -> tuple[int, float]:
        """Status and seconds taken by one page."""
        started = time.perf_counter()
        status, _ = _open(self.opener, urllib.request.Request(f"{self.base}{path}"))
        return status, time.perf_counter() - started
