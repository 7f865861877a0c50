"""A real Celery worker (embedded broker, SQLite) against hostile files and against a
batch whose processing kills the worker's pool process.

- hostile files are refused as batches, the worker's processes all survive, and the next
  batch is done as usual;
- a batch that has killed the pool process twice is failed with a clear message and not
  run a third time.
"""

from __future__ import annotations

import signal
from pathlib import Path

import psutil
import pytest
from sqlalchemy import select

from importer.batches import BatchOptions, create_batch
from registry.accounts import create_employer
from registry.models import Batch
from registry.uow import UnitOfWork
from tests.builders import xlsx_bytes
from tests.hostile.conftest import header_rows, sheet_xml, write_package
from tests.integration.test_worker_support import (
    WorkerProcess,
    batch_state,
    roster_rows,
    settings_of,
    wait_for,
    worker_env,
)
from worker.app import make_celery
from worker.tasks import KILLED_WORKERS_MESSAGE, enqueue

pytestmark = pytest.mark.integration
FAR = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


@pytest.fixture
def desk(sqlite_url, tmp_path):
    """(environment of the worker, employer id, Celery app to enqueue with)."""
    env = worker_env(tmp_path / "data", sqlite_url, None, SHEBAO_READER_MEMORY_MB="700")
    with UnitOfWork.for_url(sqlite_url) as uow:
        employer, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
        employer_id = employer.id
    app = make_celery(settings_of(env))
    worker = WorkerProcess(env, tmp_path / "w1.log", "w1")
    yield env, employer_id, app, worker
    worker.kill()
    app.close()


def _upload(url: str, employer_id: int, data: bytes, name: str) -> int:
    return create_batch(UnitOfWork.for_url(url), employer_id, name, data, BatchOptions())


def _finished(url: str, batch_id: int, worker: WorkerProcess, timeout: float = 240) -> dict:
    return wait_for(
        lambda: batch_state(url, batch_id),
        lambda s: s["status"] in ("done", "failed"),
        timeout,
        f"batch {batch_id}",
        worker.log,
    )


def _pool(worker: WorkerProcess) -> list[int]:
    assert worker.proc is not None
    return sorted(p.pid for p in psutil.Process(worker.proc.pid).children())


def test_hostile_files_leave_the_worker_alive_and_the_next_batch_is_done(desk, tmp_path: Path):
    env, employer_id, app, worker = desk
    url = env["DATABASE_URL"]
    unordered = write_package(
        tmp_path / "u.xlsx", [("人员增加", "visible", sheet_xml(lambda: [FAR, header_rows()]))]
    )
    far = write_package(
        tmp_path / "f.xlsx",
        [("人员增加", "visible", sheet_xml(lambda: [header_rows(), FAR], "A1"))],
    )
    hostile = [
        _upload(url, employer_id, unordered.read_bytes(), "u.xlsx"),
        _upload(url, employer_id, far.read_bytes(), "f.xlsx"),
    ]
    good = _upload(url, employer_id, xlsx_bytes("person_add", roster_rows(20)), "ok.xlsx")
    worker.start()
    pool = _pool(worker)
    for batch_id in [*hostile, good]:
        enqueue(batch_id, app)
    states = [_finished(url, b, worker) for b in [*hostile, good]]
    assert [s["status"] for s in states] == ["failed", "failed", "done"], states
    assert "700 MB" in states[0]["error"] and "第 1,048,576 行" in states[1]["error"]
    assert states[2]["applied"] == 20
    assert worker.proc.poll() is None and _pool(worker) == pool, worker.log()[-3000:]
    assert "WorkerLostError" not in worker.log()


def test_a_batch_that_killed_the_pool_process_twice_is_failed_and_not_run_again(desk):
    env, employer_id, app, worker = desk
    url = env["DATABASE_URL"]
    batch_id = _upload(url, employer_id, xlsx_bytes("person_add", roster_rows(20_000)), "big.xlsx")
    worker.start()
    enqueue(batch_id, app)
    for death in (1, 2):
        # Kill the pool process while it processes the batch, as the OOM killer would.
        wait_for(
            lambda: _attempts(url, batch_id),
            lambda n, d=death: n == d,
            240,
            f"run {death}",
            worker.log,
        )
        for pid in _pool(worker):
            psutil.Process(pid).send_signal(signal.SIGKILL)
    state = _finished(url, batch_id, worker)
    assert state["status"] == "failed" and state["error"] == KILLED_WORKERS_MESSAGE, state
    assert worker.proc.poll() is None
    good = _upload(url, employer_id, xlsx_bytes("person_add", roster_rows(10, 50_000)), "ok.xlsx")
    enqueue(good, app)
    assert _finished(url, good, worker)["status"] == "done"
    assert batch_state(url, batch_id)["status"] == "failed"  # recovery left it alone


def _attempts(url: str, batch_id: int) -> int:
    with UnitOfWork.for_url(url) as uow:
        return uow.session.scalar(select(Batch.attempts).where(Batch.id == batch_id)) or 0
