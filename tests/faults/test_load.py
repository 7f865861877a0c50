"""Load: 20 employers uploading 2,000-row sheets at once through the API against two
workers (Redis + PostgreSQL), every batch done, with the time to the last one and the
batch page's p95 latency while they run; and a 50-row upload done within 10 s while a
100,000-row batch runs (the small queue's worker, as `shebao serve` runs it).
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from importer.batches import create_batch
from registry.uow import UnitOfWork
from tests.builders import xlsx_bytes
from tests.faults.client import Browser, api_token, api_upload
from tests.faults.conftest import PASSWORD, make_employers
from tests.faults.servers import Web
from tests.integration.test_worker_support import (
    batch_state,
    registry_counts,
    roster_rows,
    settings_of,
    wait_for,
    worker_env,
)
from worker.app import make_celery
from worker.tasks import enqueue

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EMPLOYERS = 20
ROWS = 2_000
PAGE_WATCHERS = 4


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method)."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


class PageWatch:
    """Browsers polling their batch page while the load runs; records each latency."""

    def __init__(self, browsers: list[tuple[Browser, int]]):
        self.browsers = browsers
        self.latencies: list[float] = []
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=b, daemon=True) for b in browsers]

    def __enter__(self) -> PageWatch:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def _run(self, browser: Browser, batch_id: int) -> None:
        while not self._stop.wait(0.25):  # about as often as the page's own polling
            status, seconds = browser.get(f"/batches/{batch_id}")
            self.statuses.append(status)
            self.latencies.append(seconds)


@pytest.mark.redis
@pytest.mark.postgres
def test_twenty_employers_upload_2000_rows_at_once_against_two_workers(
    tmp_path, pg_url, redis_url, workers
):
    env = worker_env(tmp_path / "data", pg_url, redis_url,
                     SHEBAO_LEASE_SECONDS="15", SHEBAO_RECOVER_INTERVAL_SECONDS="5")  # fmt: skip
    employers = make_employers(pg_url, EMPLOYERS)
    sheets = [xlsx_bytes("person_add", roster_rows(ROWS, start=n * ROWS)) for n in range(EMPLOYERS)]
    web = Web(env, tmp_path / "web.log").start()
    try:
        running = [workers(env, "w1"), workers(env, "w2")]
        tokens = [api_token(web.base, name, PASSWORD) for _, name in employers]
        started = time.monotonic()
        with ThreadPoolExecutor(EMPLOYERS) as pool:
            ids = list(pool.map(lambda n: api_upload(web.base, tokens[n], f"花名册{n}.xlsx",
                                                     sheets[n]), range(EMPLOYERS)))  # fmt: skip
        uploaded = time.monotonic() - started
        watched = [
            (Browser(web.base, employers[n][1], PASSWORD), ids[n]) for n in range(PAGE_WATCHERS)
        ]
        finished_at: dict[int, float] = {}

        def all_finished() -> bool:
            for batch_id in ids:
                if batch_id not in finished_at:
                    if batch_state(pg_url, batch_id)["status"] in ("done", "failed"):
                        finished_at[batch_id] = time.monotonic() - started
            return len(finished_at) == EMPLOYERS

        with PageWatch(watched) as watch:
            wait_for(all_finished, bool, 1200, "every batch to finish",
                     lambda: "\n----\n".join(w.log()[-2000:] for w in running), interval=0.5)  # fmt: skip
    finally:
        web.stop()
    last = max(finished_at.values())
    print(
        f"\n{EMPLOYERS} uploads of {ROWS} rows, 2 workers: uploads accepted in {uploaded:.1f}s, "
        f"last batch done {last:.1f}s after the first upload "
        f"({EMPLOYERS * ROWS / last:,.0f} rows/s); batch page p95 {p95(watch.latencies):.3f}s, "
        f"median {statistics.median(watch.latencies):.3f}s over {len(watch.latencies)} requests"
    )
    assert watch.statuses and set(watch.statuses) == {200}, set(watch.statuses)
    for (employer_id, _), batch_id in zip(employers, ids, strict=True):
        state = batch_state(pg_url, batch_id)
        assert (state["status"], state["applied"]) == ("done", ROWS), state
        counts = registry_counts(pg_url, employer_id, batch_id)
        assert counts["declarations"] == counts["declaration_keys"] == ROWS, counts
        assert counts["enrolments"] == counts["enrolment_pairs"] == 4 * ROWS, counts


def test_a_50_row_batch_is_done_within_10_s_while_a_100k_batch_runs(broker_env, workers, big_sheet):
    env, url = broker_env, broker_env["DATABASE_URL"]
    ((employer_id, _),) = make_employers(url, 1)
    running = [workers(env, "all"), workers(env, "small", queues="small")]  # as `shebao serve`
    app = make_celery(settings_of(env))
    big = create_batch(UnitOfWork.for_url(url), employer_id, "big.xlsx", big_sheet.read_bytes())
    enqueue(big, app)
    # Into its writing phase, where it holds the database for a chunk at a time.
    wait_for(lambda: batch_state(url, big)["done"], bool, 600, "the big batch to apply rows",
             lambda: running[0].log()[-3000:], interval=0.1)  # fmt: skip
    small = create_batch(UnitOfWork.for_url(url), employer_id, "small.xlsx",
                         xlsx_bytes("person_add", roster_rows(50, start=200_000)))  # fmt: skip
    queued = time.monotonic()
    enqueue(small, app)
    app.close()
    state = wait_for(
        lambda: batch_state(url, small),
        lambda s: s["status"] in ("done", "failed"),
        60,
        "the small batch",
        lambda: "\n----\n".join(w.log()[-3000:] for w in running),
        interval=0.1,
    )
    took = time.monotonic() - queued
    big_state = batch_state(url, big)
    print(f"\n50-row batch done in {took:.1f}s while the 100,000-row one was at "
          f"{big_state['status']}/{big_state['phase']} {big_state['done']} rows")  # fmt: skip
    assert (state["status"], state["applied"]) == ("done", 50), state
    assert big_state["status"] == "running", "the big batch should still be running"
    assert took < 10, f"the 50-row batch took {took:.1f}s"
    assert registry_counts(url, employer_id, small)["declarations"] == 50
