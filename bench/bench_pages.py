"""What the clerk waits for once a batch is done: its page, a far page of its errors, the
errors API paged, and both downloads, each timed through the real web app (the median
of three requests, after one that warms the app up)."""

from __future__ import annotations

import statistics
import time

# Request → path, for a batch id.
PAGES = {
    "batch page": "/batches/{id}",
    "errors page 40": "/batches/{id}?severity=error&page=40",
    "errors API": "/api/v1/batches/{id}/errors?offset=50000&limit=100",
    "report.xlsx": "/batches/{id}/report.xlsx",
    "corrections.xlsx": "/batches/{id}/corrections.xlsx",
}
PASSWORD = "Bench1234!"


def page_timings(url: str, employer_code: str, batch_id: int) -> dict[str, float]:
    """Seconds per request of PAGES for the employer's batch on the database at `url`."""
    from registry.accounts import login_name
    from web import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    user = login_name(employer_code)
    browser = app.test_client()
    browser.post("/login", data={"username": user, "password": PASSWORD})
    api = app.test_client()
    token = api.post("/api/v1/token", json={"username": user, "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    timings = {}
    for name, path in PAGES.items():
        client, kw = (api, {"headers": headers}) if path.startswith("/api/") else (browser, {})
        timings[name] = _median_seconds(client, path.format(id=batch_id), kw)
    return timings


def _get(client, path: str, kw: dict) -> None:
    response = client.get(path, **kw)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    response.get_data()


def _median_seconds(client, path: str, kw: dict) -> float:
    _get(client, path, kw)  # the first request of a path warms caches and templates
    times = []
    for _ in range(3):
        start = time.perf_counter()
        _get(client, path, kw)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
