"""The pieces behind exactly-once processing, in process: leases (file and Redis), what
the task does with held, finished and failing batches, the recovery pass, and which queue
a batch goes to.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy.exc
from celery.exceptions import Retry
from sqlalchemy import update

from importer.batches import BatchOptions, create_batch
from importer.pipeline import Outcome
from registry.accounts import create_employer
from registry.models import Batch
from registry.uow import UnitOfWork
from shebao.settings import Settings
from tests.builders import xlsx_bytes
from tests.integration.test_worker_support import REPO, batch_state, roster_rows
from worker.app import QUEUE, SMALL_QUEUE, WorkerTuning, make_celery
from worker.holder import holder_is_dead, new_holder
from worker.leases import ABANDONED, FREE, HELD, FileLease, RedisLease
from worker.recovery import confirm_seconds, prune_embedded_broker, recover
from worker.tasks import TASK_NAME, enqueue

pytestmark = pytest.mark.integration

HOLD_AND_SLEEP = """
import sys, time
from pathlib import Path
from worker.leases import FileLease, RedisLease
ttl = int(sys.argv[3]) if len(sys.argv) > 3 else 1
lease = FileLease(Path(sys.argv[1]), 7) if sys.argv[2] == "file" else RedisLease(sys.argv[1], 7, ttl)
assert lease.acquire()
print("held", flush=True)
time.sleep(60)
"""


def hold_in_subprocess(where: str, kind: str, ttl: int = 1) -> subprocess.Popen:
    """A process that takes lease 7 and then hangs until killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_SLEEP, where, kind, str(ttl)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_file_lease_is_exclusive_and_dies_with_its_holder(tmp_path):
    lease, other = FileLease(tmp_path, 7), FileLease(tmp_path, 7)
    assert lease.acquire()
    assert not other.acquire() and other.is_held()
    lease.release()
    assert not other.is_held() and other.acquire()
    other.release()
    holder = hold_in_subprocess(str(tmp_path), "file")
    try:
        assert lease.is_held()
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert not lease.is_held()  # the kernel dropped the lock of the killed process


@pytest.mark.redis
@pytest.mark.xdist_group("redis")
def test_redis_lease_is_kept_alive_while_held_and_expires_when_its_holder_dies(redis_url):
    lease, other = RedisLease(redis_url, 7, 1), RedisLease(redis_url, 7, 1)
    assert lease.acquire()
    time.sleep(2.5)  # past the 1 s TTL: only the heartbeat keeps it
    assert other.is_held() and not RedisLease(redis_url, 7, 1).acquire()
    lease.release()
    assert not other.is_held()
    holder = hold_in_subprocess(redis_url, "redis")
    holder.kill()
    holder.wait(timeout=10)
    deadline = time.monotonic() + 10
    while other.is_held() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not other.is_held()


@pytest.mark.redis
@pytest.mark.xdist_group("redis")
def test_requeue_is_claimed_once_per_window(tmp_path, redis_url):
    for lease in (FileLease(tmp_path, 3), RedisLease(redis_url, 3, 5)):
        assert lease.claim_requeue(600)
        assert not lease.claim_requeue(600)


@pytest.fixture
def embedded(tmp_path, sqlite_url):
    """A Celery app on the embedded broker and an employer with one stored batch."""
    settings = Settings(
        data_dir=tmp_path / "data", database_url=sqlite_url, redis_url=None, secret_key="t"
    )
    app = make_celery(settings, WorkerTuning(stale_queued_minutes=10))
    with UnitOfWork.for_url(sqlite_url) as uow:
        employer, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
    batch_id = create_batch(
        UnitOfWork.for_url(sqlite_url),
        employer.id,
        "a.xlsx",
        xlsx_bytes("person_add", roster_rows(3)),
        BatchOptions(),
    )
    yield app, settings, batch_id
    app.close()


def set_batch(url: str, batch_id: int, **values) -> None:
    with UnitOfWork.for_url(url) as uow:
        uow.session.execute(update(Batch).where(Batch.id == batch_id).values(**values))
        uow.commit()


@pytest.fixture
def engine_calls(monkeypatch):
    """Replaces `run_batch` with a recorder whose behaviour a test can set."""
    calls: list[int] = []
    behaviour: dict[str, BaseException | None] = {"raise": None}

    def fake_run_batch(batch_id, uow, *limits, keep_table=False, **options):
        calls.append(batch_id)
        if behaviour["raise"] is not None:
            raise behaviour["raise"]
        return Outcome()

    monkeypatch.setattr("importer.pipeline.run_batch", fake_run_batch)
    return calls, behaviour


def test_task_runs_a_queued_batch_and_skips_held_or_finished_ones(embedded, engine_calls):
    app, settings, batch_id = embedded
    calls, _ = engine_calls
    task = app.tasks[TASK_NAME]
    task.run(batch_id)
    assert calls == [batch_id]
    holder = FileLease(settings.data_dir / "leases", batch_id)
    assert holder.acquire()
    set_batch(settings.database_url, batch_id, status="running")
    task.run(batch_id)  # another worker runs it: this copy steps aside
    holder.release()
    set_batch(settings.database_url, batch_id, status="done")
    task.run(batch_id)
    task.run(999_999)  # no such batch
    assert calls == [batch_id]


def test_a_queued_batch_whose_lease_is_still_held_is_tried_again_not_dropped(
    embedded, engine_calls
):
    # 确认申报 queues a preview again while the preview's run may still be writing its
    # workbooks under the lease: that copy must come back, not step aside for good.
    app, settings, batch_id = embedded
    calls, _ = engine_calls
    task = app.tasks[TASK_NAME]
    holder = FileLease(settings.data_dir / "leases", batch_id)
    assert holder.acquire()
    with pytest.raises(Retry):
        task.run(batch_id)
    holder.release()
    assert calls == []
    task.run(batch_id)  # the retried copy, once the lease is free
    assert calls == [batch_id]


def test_an_unexpected_engine_error_fails_the_batch_with_a_chinese_message(embedded, engine_calls):
    app, settings, batch_id = embedded
    _, behaviour = engine_calls
    behaviour["raise"] = RuntimeError("bug")
    app.tasks[TASK_NAME].run(batch_id)
    state = batch_state(settings.database_url, batch_id)
    assert state["status"] == "failed"
    assert "内部错误" in state["error"]


def test_a_database_outage_is_raised_for_retry_and_leaves_the_batch_resumable(
    embedded, engine_calls
):
    app, settings, batch_id = embedded
    _, behaviour = engine_calls
    behaviour["raise"] = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed"))
    with pytest.raises(sqlalchemy.exc.OperationalError):
        app.tasks[TASK_NAME].run(batch_id)  # called directly, retry re-raises the cause
    assert batch_state(settings.database_url, batch_id)["status"] == "queued"
    assert not FileLease(settings.data_dir / "leases", batch_id).is_held()


def test_recovery_requeues_orphans_once_and_leaves_live_and_fresh_batches(embedded):
    app, settings, batch_id = embedded
    assert recover(app) == []  # queued a moment ago: its message is surely still queued
    set_batch(settings.database_url, batch_id, status="running")
    holder = FileLease(settings.data_dir / "leases", batch_id)
    assert holder.acquire()
    assert recover(app) == []  # running, and its worker is alive
    holder.release()
    assert recover(app) == [batch_id]  # running, and its worker is gone
    assert recover(app) == []  # already re-enqueued in this window
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=30)
    other = create_batch(
        UnitOfWork.for_url(settings.database_url), 1, "b.xlsx", b"x", BatchOptions()
    )
    set_batch(settings.database_url, other, created_at=old)
    assert recover(app) == [other]  # queued for 30 minutes: its message was lost


def test_pruning_the_embedded_broker_drops_only_old_delivered_messages(embedded):
    app, settings, batch_id = embedded
    for _ in range(3):
        app.tasks[TASK_NAME].apply_async((batch_id,))
    url = settings.broker_url.removeprefix("sqla+")
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE kombu_message SET visible = 0, timestamp = '2000-01-01 00:00:00' WHERE id = 1"
        )
        conn.exec_driver_sql(
            "UPDATE kombu_message SET visible = 0, timestamp = datetime('now') WHERE id = 2"
        )
    assert prune_embedded_broker(settings.broker_url) == 1
    with engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM kombu_message ORDER BY id")] == [
            2,
            3,
        ]
    engine.dispose()


@pytest.mark.redis
@pytest.mark.xdist_group("redis")
def test_a_redis_lease_whose_holder_died_on_this_host_is_taken_over_at_once(redis_url):
    holder = hold_in_subprocess(redis_url, "redis", ttl=600)  # would outlive the test
    lease = RedisLease(redis_url, 7, 600)
    assert lease.state() == HELD and not lease.acquire()
    holder.kill()
    holder.wait(timeout=10)
    assert lease.state() == ABANDONED and not lease.is_held()
    assert lease.acquire()  # no waiting for the TTL: the holder is provably dead
    try:
        assert RedisLease(redis_url, 7, 600).state() == HELD  # we are alive
        assert not RedisLease(redis_url, 7, 600).acquire()
    finally:
        lease.release()
    assert RedisLease(redis_url, 7, 600).state() == FREE


def test_a_holder_is_judged_dead_only_when_provably_gone_from_this_host():
    assert not holder_is_dead(new_holder())
    assert not holder_is_dead(f"another-host:{2**22 + 1}:1:abc")
    gone = subprocess.run(
        [sys.executable, "-c", "from worker.holder import new_holder; print(new_holder())"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert holder_is_dead(gone)
    host, pid, started, nonce = gone.split(":")
    # A live process whose start time differs: the pid was reused, the holder is gone.
    mine = str(os.getppid())
    assert holder_is_dead(f"{host}:{mine}:{int(started) + 1 if started else 1}:{nonce}") is bool(
        started
    )


@pytest.mark.redis
@pytest.mark.xdist_group("redis")
def test_a_redis_lease_lost_in_a_redis_restart_is_written_again_by_its_heartbeat(redis_url):
    import redis

    lease = RedisLease(redis_url, 8, 1)  # heartbeat every third of a second
    assert lease.acquire()
    try:
        redis.Redis.from_url(redis_url).flushdb()  # what a restart without persistence does
        assert RedisLease(redis_url, 8, 1).state() == FREE
        deadline = time.monotonic() + 5
        while RedisLease(redis_url, 8, 1).state() != HELD and time.monotonic() < deadline:
            time.sleep(0.1)
        assert RedisLease(redis_url, 8, 1).state() == HELD
    finally:
        lease.release()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.xdist_group("redis")
def test_recovery_confirms_a_missing_redis_lease_on_a_later_pass(pg_url, redis_url):
    settings = Settings(
        data_dir=Path("."), database_url=pg_url, redis_url=redis_url, secret_key="t"
    )
    app = make_celery(settings, WorkerTuning(lease_seconds=3))
    with UnitOfWork.for_url(pg_url) as uow:
        employer, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
    batch_id = create_batch(UnitOfWork.for_url(pg_url), employer.id, "a.xlsx", b"x", BatchOptions())
    set_batch(pg_url, batch_id, status="running")
    suspects: dict[int, float] = {}
    try:
        assert recover(app, suspects) == []  # missing key: maybe a live holder mid-outage
        assert batch_id in suspects
        time.sleep(confirm_seconds(app.tuning) + 0.2)
        assert recover(app, suspects) == [batch_id]  # still missing well past a heartbeat
        assert suspects == {}
    finally:
        app.close()


def test_small_files_go_to_the_small_queue_and_the_rest_to_the_big_one(embedded):
    app, settings, batch_id = embedded
    tuning = WorkerTuning(small_batch_kib=128)
    assert tuning.queue_for(128 * 1024) == SMALL_QUEUE
    assert tuning.queue_for(128 * 1024 + 1) == QUEUE
    assert tuning.queue_for(None) == QUEUE
    big = create_batch(
        UnitOfWork.for_url(settings.database_url), 1, "b.xlsx", b"x" * 200_000, BatchOptions()
    )
    for batch in (batch_id, big):
        enqueue(batch, app)
    url = settings.broker_url.removeprefix("sqla+")
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        queues = conn.exec_driver_sql(
            "SELECT q.name FROM kombu_message m JOIN kombu_queue q ON q.id = m.queue_id"
            " ORDER BY m.id"
        ).scalars()
        assert list(queues) == [SMALL_QUEUE, QUEUE]
    engine.dispose()


def test_a_queued_batch_whose_taker_died_before_marking_it_running_is_recovered_at_once(embedded):
    app, settings, _ = embedded
    leases = settings.data_dir / "leases"
    holder = hold_in_subprocess(str(leases), "file")  # takes lease 7, then is killed
    fresh = create_batch(UnitOfWork.for_url(settings.database_url), 1, "c.xlsx", b"x")
    set_batch(settings.database_url, fresh, id=7)
    assert recover(app) == []  # queued a moment ago, and its taker is alive
    holder.kill()
    holder.wait(timeout=10)
    assert FileLease(leases, 7).state() == ABANDONED
    assert recover(app) == [7]  # no waiting for the stale window: its taker is dead
