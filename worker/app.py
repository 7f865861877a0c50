"""The Celery app, built from settings; nothing connects (or even reads the environment)
at import time.

Brokers:
- `REDIS_URL` set: Redis is the broker. Batch state lives in the database (the `batches`
  row), so there is no result backend (`task_ignore_result`).
- otherwise the embedded default: kombu's SQLAlchemy transport on `<data_dir>/broker.db`
  (SQLite), which needs no service and was checked to work with kombu 5.7 and
  SQLAlchemy 2.1. It has no visibility timeout: a message taken by a worker that is then
  killed stays invisible for ever. `worker.recovery` covers that (and the same gap on
  Redis until its visibility timeout), so this transport is safe to use here.

Delivery: `acks_late` + `task_reject_on_worker_lost` + prefetch 1, so a message is only
acknowledged once its batch is processed and one worker never hoards several batches.

Queues: batches whose file is at most `SHEBAO_SMALL_BATCH_KB` (128 KiB, about 1,500
rows) go to `shebao.small`, the others to `shebao`. A plain worker consumes both; a worker
started with `shebao worker --small-only` consumes only the small queue, so a 50-row
upload is never stuck behind a 100,000-row one (`shebao serve` runs one of each). This
works alike on Redis and on the embedded broker: it is only two queue names.

Worker tuning that `shebao.settings` does not carry yet is read here, once per app:
`SHEBAO_LEASE_SECONDS` (15), `SHEBAO_RECOVER_INTERVAL_SECONDS` (5),
`SHEBAO_STALE_QUEUED_MINUTES` (10), see `worker.recovery`, and `SHEBAO_SMALL_BATCH_KB`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from celery import Celery
from celery.schedules import crontab
from kombu import Exchange, Queue

from shebao.masking import install_log_masking
from shebao.settings import Settings, env_int
from shebao.settings import settings as current_settings

QUEUE = "shebao"
SMALL_QUEUE = "shebao.small"
# Redis hands an unacknowledged message to another worker after this long. Leases stop a
# second worker from processing a batch twice, so it only bounds how late Redis itself
# notices a lost worker; the recovery pass usually notices much sooner.
REDIS_VISIBILITY_TIMEOUT = 3600


@dataclass(frozen=True)
class WorkerTuning:
    """Timings of leases and of the recovery pass, and the size of a small batch."""

    lease_seconds: int = 15
    recover_interval_seconds: int = 5
    stale_queued_minutes: int = 10
    small_batch_kib: int = 128

    @classmethod
    def from_env(cls) -> WorkerTuning:
        """Read the `SHEBAO_*` tuning variables (defaults when unset)."""
        return cls(
            lease_seconds=env_int("SHEBAO_LEASE_SECONDS", cls.lease_seconds),
            recover_interval_seconds=env_int(
                "SHEBAO_RECOVER_INTERVAL_SECONDS", cls.recover_interval_seconds
            ),
            stale_queued_minutes=env_int("SHEBAO_STALE_QUEUED_MINUTES", cls.stale_queued_minutes),
            small_batch_kib=env_int("SHEBAO_SMALL_BATCH_KB", cls.small_batch_kib),
        )

    def queue_for(self, file_size: int | None) -> str:
        """The queue of a batch whose file has `file_size` bytes (unknown: the big one)."""
        small = file_size is not None and file_size <= self.small_batch_kib * 1024
        return SMALL_QUEUE if small else QUEUE


class ShebaoCelery(Celery):
    """A Celery app that carries the settings it was configured from."""

    def __init__(self, settings: Settings | None = None, tuning: WorkerTuning | None = None):
        super().__init__("shebao", set_as_current=True)
        self._given_settings = settings
        self._given_tuning = tuning
        # A promise: evaluated when the configuration is first needed, not now.
        self.add_defaults(lambda: celery_config(self.settings))

    @cached_property
    def settings(self) -> Settings:
        """The settings given at construction, else read from the environment once."""
        return self._given_settings or current_settings()

    @cached_property
    def tuning(self) -> WorkerTuning:
        """Lease and recovery timings."""
        return self._given_tuning or WorkerTuning.from_env()


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery configuration for `settings` (Redis broker or the embedded one)."""
    conf: dict[str, Any] = {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # Batches write to the database, not the broker; a broker blip must not kill them.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_consumer": "worker.consumer:ShebaoConsumer",  # reconnects every second
        # Without an event loop (the embedded broker) a killed pool process's job is only
        # declared lost, and its message handed back, after this wait (Celery: 10 s).
        "worker_lost_wait": 2.0,
        # A pool process imports the engine as it starts (`worker.tasks`); on a busy machine
        # that can outlast Celery's 4 s wait for a new process to report in.
        "worker_proc_alive_timeout": 60,
        "task_default_queue": QUEUE,
        # A worker started without -Q consumes every queue listed here (small one first).
        # Each bound by its own name: with Celery's default binding both queues would take
        # the default routing key, and every message would land in both.
        "task_queues": [
            Queue(name, Exchange(name, type="direct"), routing_key=name)
            for name in (SMALL_QUEUE, QUEUE)
        ],
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_publish_retry_policy": {"max_retries": 3, "interval_start": 0.5,
                                      "interval_step": 1, "interval_max": 3},
        "worker_hijack_root_logger": True,
        "imports": ["worker.tasks", "worker.assess_task", "worker.undo_task"],
        # The monthly assessment (issue 8): 00:30 UTC on the 1st = 08:30 in China.
        "beat_schedule": {
            "assess-monthly": {
                "task": "shebao.assess_month",
                "schedule": crontab(minute=30, hour=0, day_of_month=1),
            }
        },
        "broker_transport_options": _transport_options(settings),
    }  # fmt: skip
    return conf


def _transport_options(settings: Settings) -> dict[str, Any]:
    if settings.redis_url:
        return {
            "visibility_timeout": REDIS_VISIBILITY_TIMEOUT,
            "socket_connect_timeout": 5,
            "socket_timeout": 30,
        }
    # The SQLite file lives in the data dir, which may not exist yet on a fresh setup.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # These options go to create_engine: wait for SQLite's file lock rather than fail.
    return {"connect_args": {"timeout": 30}}


def make_celery(
    settings: Settings | None = None, tuning: WorkerTuning | None = None
) -> ShebaoCelery:
    """A Celery app for `settings` (default: the environment, read when first needed)."""
    # No log line of a worker carries an ID number in full (a failing row's message, a
    # traceback quoting a cell), as in the web process.
    install_log_masking()
    app = ShebaoCelery(settings, tuning)
    import worker.tasks  # noqa: F401  (registers the shared tasks and worker signals)
    import worker.undo_task  # noqa: F401  (撤销本批次)
    from worker.recovery import BrokerReturn

    app.steps["consumer"].add(BrokerReturn)

    return app


# `celery -A worker.app:celery worker` and `enqueue()` use this one; configured lazily.
celery = make_celery()
