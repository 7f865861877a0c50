"""Recovery of batches whose message was lost (see `worker.tasks` for the whole design).

When a worker is ready, then every `SHEBAO_RECOVER_INTERVAL_SECONDS` (5), and at once
when its connection to the broker comes back, its main process looks for batches that
should be moving and are not:

- `running` or `queued` with an `ABANDONED` lease: a worker took it and died (SIGKILL,
  OOM, power), maybe before it marked the batch running; certain (an unlocked lease file
  left behind, or a holder dead on this host);
- `running` with no lease at all: confirmed on a later pass (`confirm_seconds`), since a
  live holder that lost its Redis key in an outage writes it again (`worker.leases`);
- `queued` for longer than `SHEBAO_STALE_QUEUED_MINUTES` with no live lease: the publish
  failed, or the message was taken by a worker that died before starting the batch;
- a batch whose undo (撤销本批次) is `running` with no live lease, judged like a
  `running` batch: its undo is re-enqueued (`worker.undo_task`) and resumes;
- after the broker came back (`BrokerReturn`): every `queued` batch with no live lease,
  however young. Uploads accepted while Redis was down were never published, and a Redis
  restarted without persistence has forgotten the rest; a copy of a message that did
  survive is harmless (it steps aside when the batch is finished or held).

Each is re-enqueued at most once per staleness window across all workers (a marker next
to the lease, cleared when a worker takes the lease), so a long honest backlog is not
flooded with copies. The pass also prunes, every ten minutes, delivered messages that
kombu's SQLAlchemy transport keeps in the embedded broker file for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from celery import bootsteps, current_app
from celery.signals import worker_process_init, worker_ready, worker_shutdown
from sqlalchemy import create_engine, func, make_url, select, text

from registry.db import get_engine
from registry.models import Batch, utcnow
from registry.uow import UnitOfWork
from worker.leases import ABANDONED, HELD, lease_for

log = logging.getLogger(__name__)

BROKER_KEEP_DELIVERED = dt.timedelta(days=1)
PRUNE_EVERY_SECONDS = 600


@dataclass(frozen=True)
class Candidate:
    """A batch that should be moving: running, or queued (stale: for longer than the window)."""

    id: int
    status: str
    size: int | None
    stale: bool


def orphaned_candidates(uow: UnitOfWork, stale_queued_minutes: int) -> list[Candidate]:
    """Every `running` and `queued` batch, oldest first."""
    cutoff = utcnow() - dt.timedelta(minutes=stale_queued_minutes)
    query = (
        select(
            Batch.id, Batch.status, Batch.created_at, func.length(Batch.file_bytes).label("size")
        )
        .where(Batch.status.in_(("running", "queued")))
        .order_by(Batch.id)
    )
    with uow:
        return [
            Candidate(row.id, row.status, row.size, row.created_at < cutoff)
            for row in uow.session.execute(query)
        ]


def recover(app, suspects: dict[int, float] | None = None, all_queued: bool = False) -> list[int]:
    """Re-enqueue every batch that no live worker holds; returns the ids re-enqueued.

    `suspects` (kept by the caller between passes) remembers since when a `running`
    batch's Redis lease was seen missing; without it a missing key counts as certain.
    `all_queued` takes every queued batch, not only stale ones (the broker came back).
    """
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
    window = tuning.stale_queued_minutes * 60
    for batch in candidates:
        lease = lease_for(settings, tuning, batch.id)
        if _is_orphan(lease, batch, suspects, tuning, all_queued) and lease.claim_requeue(window):
            enqueue(batch.id, app, batch.size)
            requeued.append(batch.id)
    undos = _recover_undos(app, suspects, window)
    requeued.extend(undos.requeued)
    if suspects is not None:
        for gone in set(suspects) - {batch.id for batch in candidates} - set(undos.running):
            del suspects[gone]
    if requeued:
        log.warning("re-enqueued batches left without a live worker: %s", requeued)
    return requeued


@dataclass(frozen=True)
class UndoPass:
    """Batches found undoing (`undo_status = "running"`), and those re-enqueued."""

    running: list[int]
    requeued: list[int]


def _recover_undos(app, suspects: dict[int, float] | None, window: int) -> UndoPass:
    """Re-enqueue the undo of every batch undoing with no live lease (its worker died, or
    the publish was lost): judged like a `running` batch (`worker.undo_task`)."""
    from worker.undo_task import enqueue_undo, undoing

    settings, tuning = app.settings, app.tuning
    try:
        running = undoing(UnitOfWork.for_url(settings.database_url))
    finally:
        get_engine(settings.database_url).dispose()
    requeued = []
    for batch_id in running:
        lease = lease_for(settings, tuning, batch_id)
        batch = Candidate(batch_id, "running", None, False)
        if _is_orphan(lease, batch, suspects, tuning, False) and lease.claim_requeue(window):
            enqueue_undo(batch_id, app)
            requeued.append(batch_id)
    return UndoPass(running, requeued)


def _is_orphan(lease, batch: Candidate, suspects, tuning, all_queued: bool) -> bool:
    state = lease.state()
    if state == HELD:
        if suspects is not None:
            suspects.pop(batch.id, None)
        return False
    if state == ABANDONED:
        return True  # taken by a worker that died, maybe before it marked the batch running
    if batch.status == "queued":
        return batch.stale or all_queued  # no one took it: its message is lost, or waiting
    if suspects is None:
        return True
    # Running, lease missing (a retry waiting, or a Redis key lost in an outage that its
    # live holder is about to write again): orphaned once it stays missing past a heartbeat.
    first_seen = suspects.setdefault(batch.id, time.monotonic())
    if time.monotonic() - first_seen < confirm_seconds(tuning):
        return False
    del suspects[batch.id]
    return True


def confirm_seconds(tuning) -> float:
    """How long a running batch's lease must stay missing before it counts as orphaned.

    Its holder refreshes the key every third of the TTL; half a TTL more lets a holder
    starved of CPU for a while (a long read holding the GIL on a busy machine) keep its
    batch, while a worker dead on another host is still noticed within about 30 s.
    """
    return tuning.lease_seconds / 2 + 2


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
        self._wake = threading.Event()
        self._all_queued = False
        self._suspects: dict[int, float] = {}
        self._pruned_at = float("-inf")
        self._thread = threading.Thread(target=self._run, name="shebao-recovery", daemon=True)

    def start(self) -> None:
        """Run the first pass at once, then one every recover interval."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end (it never blocks shutdown: the thread is a daemon)."""
        self._stop.set()
        self._wake.set()

    def broker_returned(self) -> None:
        """Run a pass over every queued batch now (called from the consumer's thread)."""
        self._all_queued = True
        self._wake.set()

    def _run(self) -> None:
        interval = self.app.tuning.recover_interval_seconds
        while not self._stop.is_set():
            all_queued, self._all_queued = self._all_queued, False
            try:
                recover(self.app, self._suspects, all_queued)
                self._maybe_prune()
            except Exception as exc:  # an outage, or a schema not created yet: try again later
                self._all_queued |= all_queued  # the broker's return is not handled yet
                first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("recovery pass failed (%s); retrying in %ss", first_line, interval)
                log.debug("recovery pass failure", exc_info=True)
            self._wake.wait(interval)
            self._wake.clear()

    def _maybe_prune(self) -> None:
        if self.app.settings.redis_url or time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        prune_embedded_broker(self.app.settings.broker_url)
        self._pruned_at = time.monotonic()


_loops: list[RecoveryLoop] = []


class BrokerReturn(bootsteps.StartStopStep):
    """A consumer step: Celery starts it again each time the broker connection is back."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, parent) -> None:
        """On a restart of the consumer (not its first start), wake the recovery loop."""
        if getattr(parent, "restart_count", 0) > 0:
            log.warning("broker connection is back: re-enqueueing queued batches")
            for loop in _loops:
                loop.broker_returned()


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
