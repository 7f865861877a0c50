"""撤销本批次 as a Celery task: `undo_batch(batch_id)` runs `importer.undo.run_undo` on a
batch the web (or the API) marked `undo_status = "running"`.

Like `process_batch` (see `worker.tasks`): acknowledged late, it takes the batch's lease
so two copies never undo one batch at once (the chunks would serialise on the employer's
lock anyway), and a worker killed midway leaves the batch `running` with its progress
saved per chunk: the recovery pass (`worker.recovery`) re-enqueues it, and the next run
resumes after the last chunk committed. An unexpected error marks the undo `failed`
(the page offers the undo again, which resumes where it stopped).
"""

from __future__ import annotations

import logging

from celery import Celery, shared_task
from sqlalchemy import select

from registry.models import Batch
from registry.uow import UnitOfWork
from worker.leases import lease_for
from worker.tasks import DURABLE_BATCH_TASK, INFRA_ERRORS

log = logging.getLogger(__name__)

TASK_NAME = "shebao.undo_batch"


@shared_task(name=TASK_NAME, **DURABLE_BATCH_TASK)
def undo_batch(self, batch_id: int) -> None:
    """Undo batch `batch_id` (marked running) unless another worker holds it."""
    from importer.undo import run_undo

    settings, tuning = self.app.settings, self.app.tuning
    lease = lease_for(settings, tuning, batch_id)
    if not lease.acquire():
        log.info("batch %s is held by another worker; this undo copy steps aside", batch_id)
        return
    uow = UnitOfWork.for_url(settings.database_url)
    try:
        result = run_undo(uow, batch_id, settings.chunk_rows)
        log.info("batch %s undone: %s reverted, %s kept", batch_id, result["reverted"],
                 len(result["kept"]))  # fmt: skip
    except INFRA_ERRORS:
        raise  # retried; the undo stays running and resumable
    except Exception:
        log.exception("undo of batch %s failed with an unexpected error", batch_id)
        mark_undo_failed(uow, batch_id)
    finally:
        lease.release()


def mark_undo_failed(uow: UnitOfWork, batch_id: int) -> None:
    """Record that the undo stopped on an error (its progress stays for a retry)."""
    with uow:
        batch = uow.session.get(Batch, batch_id)
        if batch is not None and batch.undo_status == "running":
            batch.undo_status = "failed"
            uow.commit()


def undoing(uow: UnitOfWork) -> list[int]:
    """Ids of the batches whose undo is running (the recovery pass checks their leases)."""
    with uow:
        query = select(Batch.id).where(Batch.undo_status == "running").order_by(Batch.id)
        return list(uow.session.scalars(query))


def enqueue_undo(batch_id: int, app: Celery | None = None) -> None:
    """Queue the undo of `batch_id`; a publish that fails is left to recovery."""
    from worker.app import QUEUE, celery

    target = app if app is not None else celery
    try:
        target.tasks[TASK_NAME].apply_async((batch_id,), queue=QUEUE)
    except INFRA_ERRORS:
        log.exception("could not queue the undo of batch %s; the recovery pass will", batch_id)
