"""Real Celery worker processes against Redis + PostgreSQL and against the embedded
default (SQLite + kombu's SQLAlchemy transport): uploads processed end to end, duplicate
and lost messages, and a worker SIGKILLed mid-batch whose batch the next worker finishes
with every row applied exactly once; a killed pool process's batch resumed in seconds.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

import pytest

from importer.batches import BatchOptions, create_batch
from registry.accounts import create_employer
from registry.uow import UnitOfWork
from tests.builders import csv_bytes, xlsx_bytes
from tests.integration.test_worker_support import (
    WorkerProcess,
    batch_state,
    registry_counts,
    roster_rows,
    settings_of,
    wait_for,
    worker_env,
)
from worker.app import WorkerTuning, make_celery
from worker.leases import lease_for
from worker.tasks import enqueue

pytestmark = pytest.mark.integration

KILL_ROWS = 30_000
CHUNK_ROWS = 1_000


@dataclass
class Stack:
    """One test's database, broker settings and employer, and a Celery app to enqueue with."""

    kind: str
    env: dict[str, str]
    database_url: str
    employer_id: int
    app: object

    def upload(self, data: bytes, file_name: str = "roster.xlsx") -> int:
        """Store an upload as a queued batch (as the web does) and return its id."""
        uow = UnitOfWork.for_url(self.database_url)
        return create_batch(uow, self.employer_id, file_name, data, BatchOptions())

    def enqueue(self, batch_id: int) -> None:
        """Queue the batch on this stack's broker."""
        enqueue(batch_id, self.app)

    def state(self, batch_id: int) -> dict:
        """The batch row as the pages would show it."""
        return batch_state(self.database_url, batch_id)


# Tests on Redis: each xdist worker has a Redis database (and so a queue) of its own
# (tests/conftest.py); the group mark only keeps them together where xdist honours it.
REDIS = pytest.param(
    "redis", marks=[pytest.mark.redis, pytest.mark.postgres, pytest.mark.xdist_group("redis")]
)


@pytest.fixture(params=["embedded", REDIS])
def stack(request, tmp_path):
    """The embedded default (SQLite, no services) or the scaled-out one (PostgreSQL + Redis)."""
    if request.param == "embedded":
        url, redis_url = request.getfixturevalue("sqlite_url"), None
    else:
        url, redis_url = request.getfixturevalue("pg_url"), request.getfixturevalue("redis_url")
    env = worker_env(tmp_path / "data", url, redis_url, SHEBAO_CHUNK_ROWS=str(CHUNK_ROWS))
    with UnitOfWork.for_url(url) as uow:
        employer, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
        employer_id = employer.id
    app = make_celery(settings_of(env))
    yield Stack(request.param, env, url, employer_id, app)
    app.close()


@pytest.fixture
def workers(tmp_path):
    """Starts worker processes; every one is killed (with its pool) at teardown."""
    started: list[WorkerProcess] = []

    def start(stack: Stack, name: str, **extra_env: str) -> WorkerProcess:
        worker = WorkerProcess({**stack.env, **extra_env}, tmp_path / f"{name}.log", name)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()


def wait_finished(stack: Stack, batch_id: int, worker: WorkerProcess, timeout: float) -> dict:
    """Poll the batch row until it is done or failed."""
    return wait_for(
        lambda: stack.state(batch_id),
        lambda s: s["status"] in ("done", "failed"),
        timeout,
        f"batch {batch_id} to finish",
        worker.log,
    )


def test_worker_processes_an_upload_end_to_end(stack, workers):
    rows = roster_rows(300)
    bad = list(rows[0])
    bad[2] = bad[2][:17] + ("0" if bad[2][17] != "0" else "1")  # wrong check character
    batch_id = stack.upload(xlsx_bytes("person_add", [*rows, bad]))
    worker = workers(stack, "w1")
    started = time.monotonic()
    stack.enqueue(batch_id)
    state = wait_finished(stack, batch_id, worker, timeout=300)
    print(f"[{stack.kind}] 301 rows processed in {time.monotonic() - started:.1f}s")
    assert state["status"] == "done", state
    assert (state["rows"], state["applied"], state["rejected"]) == (301, 300, 1)
    counts = registry_counts(stack.database_url, stack.employer_id, batch_id)
    assert counts["declarations"] == counts["declaration_keys"] == 300
    assert counts["enrolments"] == counts["enrolment_pairs"] == 4 * 300
    assert counts["bases"] == 300


def test_duplicate_messages_process_a_batch_once(stack, workers):
    batch_id = stack.upload(xlsx_bytes("person_add", roster_rows(50)))
    for _ in range(3):  # a Redis redelivery or a recovery copy looks just like this
        stack.enqueue(batch_id)
    worker = workers(stack, "w1")
    state = wait_finished(stack, batch_id, worker, timeout=300)
    assert (state["status"], state["applied"]) == ("done", 50), state
    # The copies arrive after the first finished (concurrency 1): they step aside.
    wait_for(
        worker.log, lambda log: log.count("succeeded in") >= 3, 120, "all three copies", worker.log
    )
    assert "nothing to do" in worker.log()
    counts = registry_counts(stack.database_url, stack.employer_id, batch_id)
    assert counts["declarations"] == counts["declaration_keys"] == 50
    assert counts["enrolments"] == counts["enrolment_pairs"] == 200


def test_a_batch_whose_message_was_lost_is_recovered_when_a_worker_starts(stack, workers):
    # Stored but never queued: the broker was down at upload time, or the message vanished.
    batch_id = stack.upload(xlsx_bytes("person_add", roster_rows(20)))
    worker = workers(stack, "w1", SHEBAO_STALE_QUEUED_MINUTES="0")
    state = wait_finished(stack, batch_id, worker, timeout=300)
    assert (state["status"], state["applied"]) == ("done", 20), state
    assert f"re-enqueued batches left without a live worker: [{batch_id}]" in worker.log()


def test_a_worker_killed_mid_batch_leaves_it_to_the_next_worker_with_no_row_applied_twice(
    stack, workers
):
    # CSV keeps building 30k rows quick; the worker path is the same as for .xlsx.
    batch_id = stack.upload(csv_bytes("person_add", roster_rows(KILL_ROWS)), "roster.csv")
    first = workers(stack, "w1")
    started = time.monotonic()
    stack.enqueue(batch_id)
    at_kill = wait_for(
        lambda: stack.state(batch_id),
        lambda s: s["status"] in ("done", "failed") or s["done"] >= 3 * CHUNK_ROWS,
        300,
        "a few chunks to be committed",
        first.log,
        interval=0.05,
    )
    first.kill()
    assert at_kill["status"] == "running" and 0 < at_kill["done"] < KILL_ROWS, at_kill
    partial = registry_counts(stack.database_url, stack.employer_id, batch_id)
    assert 0 < partial["declarations"] < KILL_ROWS
    assert stack.state(batch_id)["status"] == "running"  # left behind by the dead worker

    second = workers(stack, "w2")
    state = wait_finished(stack, batch_id, second, timeout=600)
    print(
        f"[{stack.kind}] {KILL_ROWS} rows: killed at {at_kill['done']} applied, "
        f"{partial['declarations']} committed; finished by a new worker "
        f"{time.monotonic() - started:.1f}s after enqueue"
    )
    assert "re-enqueued batches left without a live worker" in second.log()
    assert (state["status"], state["rows"], state["rejected"]) == ("done", KILL_ROWS, 0), state
    assert state["applied"] == KILL_ROWS
    counts = registry_counts(stack.database_url, stack.employer_id, batch_id)
    assert counts["declarations"] == counts["declaration_keys"] == KILL_ROWS
    assert counts["declaration_rows"] == KILL_ROWS
    assert counts["enrolments"] == counts["enrolment_pairs"] == 4 * KILL_ROWS
    assert counts["persons"] == counts["bases"] == KILL_ROWS


def test_a_batch_whose_pool_process_was_killed_resumes_within_30_seconds(stack, workers):
    # What the out-of-memory killer does: the pool process dies, the worker's main process
    # lives on and hands the message back. With the production timings (15 s leases,
    # recovery every 5 s) the copy must take over the dead process's lease, not step aside.
    batch_id = stack.upload(csv_bytes("person_add", roster_rows(KILL_ROWS)), "roster.csv")
    worker = workers(stack, "w1", SHEBAO_LEASE_SECONDS="15", SHEBAO_RECOVER_INTERVAL_SECONDS="5")
    stack.enqueue(batch_id)
    at_kill = wait_for(
        lambda: stack.state(batch_id),
        lambda s: s["status"] in ("done", "failed") or s["done"] >= 3 * CHUNK_ROWS,
        300,
        "a few chunks to be committed",
        worker.log,
        interval=0.05,
    )
    (pool_pid,) = worker.pool_pids()
    os.kill(pool_pid, signal.SIGKILL)
    killed = time.monotonic()
    assert at_kill["status"] == "running", at_kill
    lease = lease_for(settings_of(stack.env), WorkerTuning(), batch_id)
    wait_for(
        lambda: [pid for pid in worker.pool_pids() if pid != pool_pid] and lease.is_held(),
        bool,
        30,
        "a new pool process to hold the batch again",
        worker.log,
        interval=0.1,
    )
    resumed = time.monotonic() - killed
    state = wait_finished(stack, batch_id, worker, timeout=600)
    print(
        f"[{stack.kind}] pool process killed at {at_kill['done']} rows; resumed {resumed:.1f}s later"
    )
    assert (state["status"], state["applied"]) == ("done", KILL_ROWS), state
    assert "steps aside" not in worker.log()
    counts = registry_counts(stack.database_url, stack.employer_id, batch_id)
    assert counts["declarations"] == counts["declaration_keys"] == KILL_ROWS
    assert counts["enrolments"] == counts["enrolment_pairs"] == 4 * KILL_ROWS
