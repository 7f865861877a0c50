"""The broker and the database going away, on servers of the test's own: uploads accepted
while Redis was down start within 30 s of its return; a batch survives Redis restarted
(forgetting every key) mid-batch and PostgreSQL refusing connections for 15 s mid-batch,
with nothing applied twice, and the web stays up throughout.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from importer.batches import create_batch
from registry.uow import UnitOfWork
from tests.builders import csv_bytes, xlsx_bytes
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

pytestmark = [pytest.mark.integration, pytest.mark.redis]

ROWS = 30_000
CHUNK_ROWS = 1_000
# The timings a production worker runs with (the worker tests shorten them).
PRODUCTION_TIMINGS = {"SHEBAO_LEASE_SECONDS": "15", "SHEBAO_RECOVER_INTERVAL_SECONDS": "5"}


def fault_env(tmp_path, database_url: str, redis_url: str) -> dict[str, str]:
    """Environment of the web and the workers of one fault test."""
    return worker_env(
        tmp_path / "data", database_url, redis_url, SHEBAO_CHUNK_ROWS=str(CHUNK_ROWS),
        **PRODUCTION_TIMINGS,
    )  # fmt: skip


def assert_applied_once(database_url: str, employer_id: int, batch_id: int, rows: int) -> None:
    """Every row applied, and none twice (declarations, enrolments, natural keys)."""
    counts = registry_counts(database_url, employer_id, batch_id)
    assert counts["declarations"] == counts["declaration_keys"] == rows, counts
    assert counts["declaration_rows"] == rows, counts
    assert counts["enrolments"] == counts["enrolment_pairs"] == 4 * rows, counts
    assert counts["persons"] == counts["bases"] == rows, counts


def test_a_batch_uploaded_while_redis_was_down_starts_within_30_s_of_its_return(
    tmp_path, sqlite_url, own_redis, workers
):
    env = fault_env(tmp_path, sqlite_url, own_redis.url)
    ((employer_id, _),) = make_employers(sqlite_url, 1)
    worker = workers(env, "w1")
    own_redis.stop()
    app = make_celery(settings_of(env))
    data = xlsx_bytes("person_add", roster_rows(40))
    batch_id = create_batch(UnitOfWork.for_url(sqlite_url), employer_id, "a.xlsx", data)
    enqueue(batch_id, app)  # fails and is logged: the upload itself is accepted
    app.close()
    time.sleep(5)  # the outage goes on a little
    assert batch_state(sqlite_url, batch_id)["status"] == "queued"
    own_redis.start()
    back = time.monotonic()
    wait_for(
        lambda: batch_state(sqlite_url, batch_id)["status"],
        lambda status: status != "queued",
        30,
        "the batch to start after Redis came back",
        worker.log,
    )
    started = time.monotonic() - back
    state = wait_for(
        lambda: batch_state(sqlite_url, batch_id),
        lambda s: s["status"] in ("done", "failed"),
        120,
        "the batch to finish",
        worker.log,
    )
    print(f"queued during the outage; started {started:.1f}s after Redis came back")
    assert (state["status"], state["applied"]) == ("done", 40), state
    assert_applied_once(sqlite_url, employer_id, batch_id, 40)


class PagePoller:
    """Polls the web's pages from a thread while a fault lasts; counts status codes."""

    def __init__(self, web: Web, browser: Browser, batch_id: int):
        self.web, self.browser, self.batch_id = web, browser, batch_id
        self.statuses: Counter[int] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PagePoller:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=90)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for path in ("/login", f"/batches/{self.batch_id}"):
                try:
                    status, _ = self.browser.get(path)
                except OSError:
                    status = 0  # nothing answered: the web is down
                self.statuses[status] += 1


@pytest.fixture
def stack(tmp_path, own_pg, own_redis, workers):
    """Own PostgreSQL and Redis, the web on them, two workers, an employer logged in."""
    env = fault_env(tmp_path, own_pg.url, own_redis.url)
    ((employer_id, username),) = make_employers(own_pg.url, 1)
    web = Web(env, tmp_path / "web.log").start()
    running = [workers(env, "w1"), workers(env, "w2")]
    token = api_token(web.base, username, PASSWORD)
    yield {
        "env": env, "web": web, "workers": running, "employer_id": employer_id,
        "token": token, "browser": Browser(web.base, username, PASSWORD),
    }  # fmt: skip
    web.stop()


def logs(stack) -> str:
    """The tails of every log of the stack, for a failure message."""
    parts = [stack["web"].log()[-2000:]] + [w.log()[-3000:] for w in stack["workers"]]
    return "\n----\n".join(parts)


def upload_and_wait_until_running(stack, rows: int) -> int:
    """Upload a CSV of `rows` and wait until a few chunks are committed."""
    data = csv_bytes("person_add", roster_rows(rows))
    batch_id = api_upload(stack["web"].base, stack["token"], "roster.csv", data)
    wait_for(
        lambda: batch_state(stack["env"]["DATABASE_URL"], batch_id),
        lambda s: s["status"] in ("done", "failed") or s["done"] >= 3 * CHUNK_ROWS,
        300,
        "a few chunks to be committed",
        lambda: logs(stack),
        interval=0.1,
    )
    return batch_id


def wait_finished(stack, batch_id: int, timeout: float = 600) -> dict:
    """Poll until the batch is done or failed."""
    return wait_for(
        lambda: batch_state(stack["env"]["DATABASE_URL"], batch_id),
        lambda s: s["status"] in ("done", "failed"),
        timeout,
        f"batch {batch_id} to finish",
        lambda: logs(stack),
    )


def assert_web_survived(stack, poller: PagePoller, batch_id: int) -> None:
    """The web process lived through the fault, answered, and serves the batch page again."""
    assert stack["web"].alive(), stack["web"].log()[-3000:]
    assert sum(poller.statuses.values()) > 0
    assert poller.statuses[0] == 0, poller.statuses  # it always answered something
    assert stack["browser"].get(f"/batches/{batch_id}")[0] == 200


@pytest.mark.slow
@pytest.mark.postgres
def test_redis_restarted_mid_batch_neither_loses_nor_doubles_a_row(stack, own_redis):
    url = stack["env"]["DATABASE_URL"]
    batch_id = upload_and_wait_until_running(stack, ROWS)
    with PagePoller(stack["web"], stack["browser"], batch_id) as poller:
        own_redis.stop()
        time.sleep(10)  # longer than a heartbeat: leases are kept alive by nobody
        own_redis.start()  # empty: every lease, queue and marker is gone
        state = wait_finished(stack, batch_id)
    print(f"Redis restarted mid-batch: {state}; pages answered {dict(poller.statuses)}")
    assert (state["status"], state["rows"], state["applied"]) == ("done", ROWS, ROWS), state
    assert_applied_once(url, stack["employer_id"], batch_id, ROWS)
    assert_web_survived(stack, poller, batch_id)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_database_refusing_connections_for_15_s_mid_batch(stack, own_pg):
    url = stack["env"]["DATABASE_URL"]
    batch_id = upload_and_wait_until_running(stack, ROWS)
    with PagePoller(stack["web"], stack["browser"], batch_id) as poller:
        own_pg.stop()
        time.sleep(15)
        own_pg.start()
        back = time.monotonic()
        state = wait_finished(stack, batch_id)
    print(
        f"database down 15 s mid-batch: {state}, finished {time.monotonic() - back:.1f}s after "
        f"it came back; pages answered {dict(poller.statuses)}"
    )
    assert state["status"] == "done", state  # a retried outage, not a problem of the file
    assert (state["rows"], state["applied"]) == (ROWS, ROWS), state
    assert_applied_once(url, stack["employer_id"], batch_id, ROWS)
    assert_web_survived(stack, poller, batch_id)
