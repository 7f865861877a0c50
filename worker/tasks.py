"""Thin tasks: `process_batch(batch_id)` runs the import engine; `enqueue(batch_id)` queues it.

Why a batch is processed exactly once although messages are delivered at least once:

1. The upload is stored (Batch row, status `queued`) before anything is queued, so the
   database, not the broker, is the record of what must be done.
2. Messages are acknowledged late (after the batch ran) and rejected back to the queue if
   the pool process running them dies; on Redis an unacknowledged message is handed out
   again after the visibility timeout.
3. A task first takes the batch's lease (`worker.leases`): a second copy of the message
   finds it held and steps aside, so no two workers run one batch at the same time; it
   also steps aside when the batch is already `done` or `failed`. A copy that finds the
   lease held while the batch is `queued` (a confirmed preview, queued again while the
   preview's run is still writing its workbooks) is retried a few seconds later.
4. `run_batch` commits applied rows in chunks and is idempotent: rerun on an interrupted
   batch it skips what was applied (the declarations' unique natural key guarantees it)
   and finishes the rest.
5. Messages can still be lost: the worker that took one was killed (the embedded
   transport never hands it out again), or the broker was down when the upload was queued.
   `worker.recovery` re-enqueues, on worker start, every few seconds and when the broker
   comes back, each batch that is `running` with no live lease, whose lease was left by a
   dead worker, or `queued` for longer than `SHEBAO_STALE_QUEUED_MINUTES` (after a broker
   outage: any queued one) with no live lease. A copy redelivered after its pool process
   was killed takes over the dead process's lease at once (`worker.leases`).
6. Small files go to a queue of their own (`worker.app`), so they never wait behind big ones.
7. 撤销本批次 runs as its own task (`worker.undo_task`) under the same lease, resumable
   per chunk; the recovery pass re-enqueues an undo left `running` by a dead worker.

Deaths: a batch whose processing kills the worker process (the system's out-of-memory
killer, a library's abort) would be redelivered and recovered onto the next worker, and
kill it too. So each run counts itself on the batch row before starting (`attempts`,
committed) and counts itself off when it ends in any way Python sees; only runs that
died stay counted, and a run that gets past validation or commits rows forgives the
deaths before it (they were not the batch's doing: a deploy, an operator's kill). A batch
found with `MAX_DEATHS` dead runs without progress between them is failed with a message
saying so, and, being failed, is never queued again.

Retries: database and broker outages (connection refused, server gone, SQLite busy) are
retried with exponential backoff; a problem of the file never is, because `run_batch`
records it on the batch as `failed` and returns. An unexpected error is logged and the
batch marked `failed` with a generic message, so it is not retried for ever by recovery.
"""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc
from celery import Celery, shared_task
from celery.signals import worker_process_init
from sqlalchemy import func, select, update

from registry.models import Batch, utcnow
from registry.uow import UnitOfWork
from shebao.settings import Settings
from worker import recovery  # noqa: F401  (connects the worker signals that run recovery)
from worker.leases import lease_for

log = logging.getLogger(__name__)

TASK_NAME = "shebao.process_batch"
FINISHED = {"done", "failed"}
INFRA_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)
# How every task that works through a batch is run: retried through outages of the
# database or the broker, acknowledged only once done, and handed to another worker
# when this one dies (the batch's lease then decides who goes on).
DURABLE_BATCH_TASK = {
    "bind": True,
    "autoretry_for": INFRA_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 20,
    "acks_late": True,
    "reject_on_worker_lost": True,
}
MAX_DEATHS = 2
# Seconds before a queued batch whose lease is still held is tried again (see process_batch).
LEASE_BUSY_RETRY = 3
KILLED_WORKERS_MESSAGE = (
    "处理本文件时, 处理进程已两次异常退出(多半是文件需要的内存超出了服务器的能力), "
    "系统不再重试, 已申报成功的行不受影响。请检查文件: 删除多余的工作表、行、列和超长的内容, "
    "或把数据分成几个较小的文件, 另存为新的 .xlsx 后重新上传。"
)
INTERNAL_ERROR_MESSAGE = (
    "处理本批次时系统发生内部错误, 已记录日志, 已申报成功的行不受影响。"
    "请稍后重新上传本文件; 如仍失败, 请联系经办机构。"
)


@shared_task(name=TASK_NAME, **DURABLE_BATCH_TASK)
def process_batch(self, batch_id: int) -> None:
    """Process stored batch `batch_id` unless another worker holds it or it is finished."""
    settings, tuning = self.app.settings, self.app.tuning
    lease = lease_for(settings, tuning, batch_id)
    if not lease.acquire():
        if batch_status(UnitOfWork.for_url(settings.database_url), batch_id) == "queued":
            # A new run asked for while the last one still holds the lease for its final
            # steps (确认申报 clicked as a preview's workbooks are being written): come back
            # shortly instead of dropping the request until the recovery pass finds it.
            log.info("batch %s is still held; queued again in %s s", batch_id, LEASE_BUSY_RETRY)
            raise self.retry(countdown=LEASE_BUSY_RETRY)
        log.info("batch %s is being processed by another worker; this copy steps aside", batch_id)
        return
    try:
        _process(batch_id, settings)
    finally:
        lease.release()


@worker_process_init.connect(dispatch_uid="shebao.tasks.preload")
def _preload_engine(**_kwargs) -> None:
    # A pool process loads the engine (pandas, pandera, calamine: seconds on a busy machine)
    # as it starts, rather than while a small batch waits on it.
    import importer.pipeline  # noqa: F401
    import importer.report  # noqa: F401


def _process(batch_id: int, settings: Settings) -> None:
    # Imported here so that `enqueue` (used by the web) does not load the whole engine.
    from importer.pipeline import run_batch

    uow = UnitOfWork.for_url(settings.database_url)
    status = batch_status(uow, batch_id)
    if status is None or status in FINISHED:
        log.info("batch %s is %s; nothing to do", batch_id, status or "missing")
        return
    if count_attempt(uow, batch_id) > MAX_DEATHS:
        log.error("batch %s killed %s worker processes; failing it", batch_id, MAX_DEATHS)
        mark_failed(uow, batch_id, "worker_killed", KILLED_WORKERS_MESSAGE)
        return
    try:
        outcome = run_batch(
            batch_id,
            uow,
            settings.chunk_rows,
            settings.max_rows,
            keep_table=True,
            reader_limits=settings.reader_limits(),
        )
    except INFRA_ERRORS:
        raise  # retried by autoretry_for; the batch stays resumable
    except Exception:
        log.exception("batch %s failed with an unexpected error", batch_id)
        mark_failed(uow, batch_id)
        return
    finally:
        uncount_attempt(uow, batch_id)
    _prepare_reports(uow, batch_id, outcome.table)
    _refresh_name_keys(uow, batch_id)
    _refresh_statistics(uow, batch_id)


def _refresh_statistics(uow: UnitOfWork, batch_id: int) -> None:
    """The database's statistics of the tables a large batch filled, sampled again."""
    from importer.record import refresh_statistics

    try:
        if refresh_statistics(uow, batch_id):
            log.info("batch %s: statistics of its tables refreshed", batch_id)
    except Exception:
        log.exception("statistics after batch %s not refreshed; autovacuum will", batch_id)


def _refresh_name_keys(uow: UnitOfWork, batch_id: int) -> None:
    """Compute the pinyin sort keys of the persons the batch brought, after it is done
    (lists sort by them; doing it here keeps the import itself fast, and a list page
    fills any key still missing)."""
    from registry.models import Batch
    from registry.pinyin import refresh_name_keys

    try:
        with uow:
            batch = uow.session.get(Batch, batch_id)
            if batch is not None and batch.applied:
                count = refresh_name_keys(uow.session, batch.employer_id)
                uow.commit()
                log.info("batch %s: %s name keys computed", batch_id, count)
    except Exception:
        log.exception("name keys after batch %s not computed; list pages will", batch_id)


def _prepare_reports(uow: UnitOfWork, batch_id: int, table) -> None:
    """Build the batch's two workbooks now, so downloads are instant. The batch is already
    done: a failure here only means the download builds them itself later."""
    from importer.report import prepare_reports

    try:
        timings = prepare_reports(uow, batch_id, table)
        log.info("reports of batch %s built: %s", batch_id, _seconds(timings))
    except Exception:
        log.exception(
            "reports of batch %s could not be prepared; they will be built on download", batch_id
        )


def _seconds(timings: dict[str, float]) -> str:
    return ", ".join(f"{name} {secs:.1f} s" for name, secs in timings.items())


def batch_status(uow: UnitOfWork, batch_id: int) -> str | None:
    """The batch's status, or None when there is no such batch."""
    with uow:
        batch = uow.session.get(Batch, batch_id)
        return batch.status if batch is not None else None


def count_attempt(uow: UnitOfWork, batch_id: int) -> int:
    """Count a run on the batch row, durably, and return the count including this run."""
    with uow:
        uow.session.execute(
            update(Batch).where(Batch.id == batch_id).values(attempts=Batch.attempts + 1)
        )
        uow.commit()
        return uow.session.scalar(select(Batch.attempts).where(Batch.id == batch_id)) or 0


def uncount_attempt(uow: UnitOfWork, batch_id: int) -> None:
    """The run ended without killing its process: take it off the count. Best effort:
    during a database outage it stays counted (one false death, of the two allowed)."""
    try:
        with uow:
            uow.session.execute(
                update(Batch)
                .where(Batch.id == batch_id, Batch.attempts > 0)
                .values(attempts=Batch.attempts - 1)
            )
            uow.commit()
    except INFRA_ERRORS:
        log.warning("could not uncount the run of batch %s (database unavailable)", batch_id)


def mark_failed(
    uow: UnitOfWork,
    batch_id: int,
    code: str = "internal_error",
    message: str = INTERNAL_ERROR_MESSAGE,
) -> None:
    """Record a failure on the batch, in words an employer can act on."""
    with uow:
        batch = uow.session.get(Batch, batch_id)
        if batch is None or batch.status in FINISHED:
            return
        batch.status, batch.phase = "failed", None
        batch.error_code, batch.error_message = code, message
        batch.finished_at = utcnow()
        uow.commit()


def enqueue(batch_id: int, app: Celery | None = None, file_size: int | None = None) -> None:
    """Queue stored batch `batch_id` on the small or the big queue (by its file's size);
    a publish that fails is logged and left to recovery."""
    target = app if app is not None else _default_app()
    try:
        queue = _queue_for(target, batch_id, file_size)
        target.tasks[TASK_NAME].apply_async((batch_id,), queue=queue)
    except INFRA_ERRORS:
        # The batch is stored as queued: the recovery pass re-enqueues it once the broker
        # is back, so the upload succeeds for the user instead of failing on a broker blip.
        log.exception("could not queue batch %s; the recovery pass will", batch_id)


def _queue_for(app: Celery, batch_id: int, file_size: int | None) -> str:
    from worker.app import QUEUE

    tuning = getattr(app, "tuning", None)
    if tuning is None:
        return QUEUE
    if file_size is None:
        with UnitOfWork.for_url(app.settings.database_url) as uow:  # type: ignore[attr-defined]
            file_size = uow.session.scalar(
                select(func.length(Batch.file_bytes)).where(Batch.id == batch_id)
            )
    return tuning.queue_for(file_size)


def _default_app() -> Celery:
    from worker.app import celery

    return celery
