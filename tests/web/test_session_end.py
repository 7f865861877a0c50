"""退出 ends the session on the server: a copy of the cookie taken before opens nothing."""

from __future__ import annotations

import pytest

from tests.web.conftest import login

pytestmark = pytest.mark.integration
COOKIE = "shebao_session"


def test_a_copied_cookie_stops_working_after_logout(app, clerk):
    copy = app.test_client()
    copy.set_cookie(COOKIE, clerk.get_cookie(COOKIE).value)
    assert copy.get("/").status_code == 200  # the copy works while the session lasts
    clerk.post("/logout")
    assert copy.get("/").status_code == 302
    assert copy.get("/queries/batches").status_code == 302


def test_logging_in_again_gives_a_working_session(app, clerk):
    clerk.post("/logout")
    assert login(clerk).status_code == 302
    assert clerk.get("/").status_code == 200
