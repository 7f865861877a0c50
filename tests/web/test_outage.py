"""A database outage answers a Chinese 503 (JSON on the API), and the service comes back
with the database. The server is the test's own, stopped and started by the test."""

from __future__ import annotations

import logging

import pytest

from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD, login, make_app
from tests.web.pg_server import PrivateServer

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def server():
    """A private PostgreSQL server, migrated, with the demo employer in it."""
    try:
        pg = PrivateServer()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no PostgreSQL binaries: {exc}")
    pg.start()
    from registry.accounts import create_employer
    from registry.db import upgrade_schema
    from registry.uow import UnitOfWork

    upgrade_schema(pg.url)
    with UnitOfWork.for_url(pg.url) as uow:
        create_employer(uow.session, "12345678", "上虞示例制造有限公司", CLERK_PASSWORD)
        uow.commit()
    yield pg
    from registry.db import get_engine

    get_engine(pg.url).dispose()
    pg.remove()


def test_outage_answers_503_in_chinese_then_recovers(server, caplog):
    app = make_app(server.url)
    clerk, api = app.test_client(), app.test_client()
    assert login(clerk).status_code == 302
    body = {"username": CLERK_LOGIN, "password": CLERK_PASSWORD}
    token = api.post("/api/v1/token", json=body).get_json()["token"]
    server.stop()
    server.wait_gone()
    caplog.set_level(logging.INFO)
    for response in (
        clerk.get("/"),
        clerk.get("/queries/batches"),
        app.test_client().post("/login", data=body),
    ):
        assert response.status_code == 503
        assert "暂时无法服务, 请稍后再试" in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)
    for response in (
        api.get("/api/v1/batches/1", headers={"Authorization": f"Bearer {token}"}),
        api.post("/api/v1/token", json=body),
    ):
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "service_unavailable"
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert CLERK_LOGIN not in logged and "Traceback" not in logged
    server.start()
    assert clerk.get("/").status_code == 200  # the same session works again
