"""The worker's consumer: Celery's own, reconnecting to a broker that came back quickly.

Celery retries a lost broker connection with kombu's defaults (2 s, then 2 s more each
time, at most 30 s apart), so a worker could notice a restarted Redis half a minute late.
Here it tries every second: the goal is that a queued batch starts within 30 s of the
broker's return (`worker.recovery.BrokerReturn` then re-publishes what was lost).
"""

from __future__ import annotations

import functools

from celery.worker.consumer import Consumer

RECONNECT_EVERY_SECONDS = 1.0


class ShebaoConsumer(Consumer):
    """Celery's consumer with short, constant reconnection intervals."""

    def ensure_connected(self, conn):
        """Connect as Celery does, but retry every `RECONNECT_EVERY_SECONDS`."""
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=RECONNECT_EVERY_SECONDS,
            interval_step=0,
            interval_max=RECONNECT_EVERY_SECONDS,
        )
        return super().ensure_connected(conn)
