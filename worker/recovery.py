"""Recovery of batches whose message was lost (see `worker.tasks` for the whole design).

When a worker is ready, once more when a lease of a worker that died just before has
expired (`SHEBAO_LEASE_SECONDS` + 5 s), and then every `SHEBAO_RECOVER_INTERVAL_SECONDS`,
its main process looks for batches that should be moving and are not:

- `running` with no live lease: the worker processing it died (SIGKILL, OOM, power);
- `queued` for longer than `SHEBAO_STALE_QUEUED_MINUTES` with no live lease: the publish
  failed, or the message was taken by a worker that died before starting the batch.

Each is re-enqueued at most once per staleness window across all workers (a marker next
to the lease), so a long honest backlog is not flooded with copies; a copy that does reach
a worker steps aside when the batch is finished or held. The pass also prunes delivered
messages that kombu's SQLAlchemy transport keeps in the embedded broker file for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from celery import current_app
from celery.signals import worker_process_init, worker_ready, worker_shutdown
from sqlalchemy import and_, create_engine, make_url, or_, select, text

from registry.db import get_engine
from registry.models import Batch, utcnow
from registry.uow import UnitOfWork
from worker.leases import lease_for

log = logging.getLogger(__name__)

BROKER_KEEP_DELIVERED = dt.timedelta(days=1)


def orphaned_candidates(uow: UnitOfWork, stale_queued_minutes: int) -> list[int]:
    """Ids of batches `running`, or `queued` for longer than the staleness window."""
    cutoff = utcnow() - dt.timedelta(minutes=stale_queued_minutes)
    query = (
        select(Batch.id)
        .where(
            or_(
                Batch.status == "running", and_(Batch.status == "queued", Batch.created_at < cutoff)
            )
        )
        .order_by(Batch.id)
    )
    with uow:
        return list(uow.session.scalars(query))


def recover(app) -> list[int]:
    """Re-enqueue every batch that no live worker holds; returns the ids re-enqueued."""
    from worker.tasks import enqueue

    settings, tuning = app.settings, app.tuning
    try:
        candidates = orphaned_candidates(
            UnitOfWork.for_url(settings.database_url), tuning.stale_queued_minutes
        )
    finally:
        # This runs in the worker's main process, which forks pool children: leave no
        # pooled database connection behind for them to inherit.
        get_engine(settings.database_url).dispose()
    requeued = []
    for batch_id in candidates:
        lease = lease_for(settings, tuning, batch_id)
        if lease.is_held() or not lease.claim_requeue(tuning.stale_queued_minutes * 60):
            continue
        enqueue(batch_id, app)
        requeued.append(batch_id)
    if requeued:
        log.warning("re-enqueued batches left without a live worker: %s", requeued)
    if not settings.redis_url:
        prune_embedded_broker(settings.broker_url)
    return requeued


def prune_embedded_broker(broker_url: str) -> int:
    """Delete messages delivered more than a day ago from the embedded broker's file."""
    # kombu stamps delivery with local time; it only ever marks delivered rows invisible.
    url = broker_url.removeprefix("sqla+")
    path = make_url(url).database
    if not path or not Path(path).exists():
        return 0  # nothing was ever queued here; do not create the file just to look
    cutoff = (dt.datetime.now() - BROKER_KEEP_DELIVERED).isoformat(sep=" ")
    engine = create_engine(url, connect_args={"timeout": 30})
    try:
        with engine.begin() as conn:
            if not conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'kombu_message'")
            ).first():
                return 0
            result = conn.execute(
                text("DELETE FROM kombu_message WHERE visible = 0 AND timestamp < :cutoff"),
                {"cutoff": cutoff},
            )
            return result.rowcount
    finally:
        engine.dispose()


class RecoveryLoop:
    """A daemon thread of the worker's main process running `recover` now and periodically."""

    def __init__(self, app):
        self.app = app
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shebao-recovery", daemon=True)

    def start(self) -> None:
        """Run the first pass at once, then one every recover interval."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end (it never blocks shutdown: the thread is a daemon)."""
        self._stop.set()

    def _run(self) -> None:
        interval = self.app.tuning.recover_interval_seconds
        # The second pass comes once a lease left by a worker that died just before this
        # one started (a container restarted after an OOM kill) has surely expired.
        wait = min(interval, self.app.tuning.lease_seconds + 5)
        while True:
            try:
                recover(self.app)
            except Exception as exc:  # an outage, or a schema not created yet: try again later
                first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("recovery pass failed (%s); retrying in %ss", first_line, wait)
                log.debug("recovery pass failure", exc_info=True)
            if self._stop.wait(wait):
                return
            wait = interval


_loops: list[RecoveryLoop] = []


@worker_ready.connect(dispatch_uid="shebao.recovery.start")
def _start_recovery(sender=None, **_kwargs) -> None:
    app = getattr(sender, "app", None)
    if app is None or not hasattr(app, "tuning"):
        return
    loop = RecoveryLoop(app)
    _loops.append(loop)
    loop.start()


@worker_shutdown.connect(dispatch_uid="shebao.recovery.stop")
def _stop_recovery(**_kwargs) -> None:
    while _loops:
        _loops.pop().stop()


@worker_process_init.connect(dispatch_uid="shebao.recovery.fork")
def _forget_parent_connections(**_kwargs) -> None:
    # SQLAlchemy's advice for forked children: drop inherited pooled connections unclosed,
    # so the parent's sockets are never used (or closed) from here.
    settings = getattr(current_app, "settings", None)
    if settings is not None:
        get_engine(settings.database_url).dispose(close=False)
