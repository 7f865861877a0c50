"""Batch leases: proof that a live worker is processing a batch right now.

A task holds its batch's lease for as long as it runs. A second message for the same batch
(a Redis redelivery, a recovery re-enqueue) finds the lease taken and steps aside, so two
workers never run one batch at once; the recovery pass re-enqueues a `running` batch only
when its lease is free, which means its worker died.

- `FileLease` (embedded broker, one machine): `flock` on `<data_dir>/leases/batch-N.lock`.
  The kernel drops the lock the moment the holding process dies, even by SIGKILL.
- `RedisLease` (Redis broker, many machines): a Redis lock with a TTL, refreshed by a
  heartbeat thread; a dead worker's lease expires after `lease_seconds`.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Lease(Protocol):
    """A non-blocking, exclusive claim on one batch."""

    def acquire(self) -> bool:
        """Take the lease if free; False when another live worker holds it."""

    def release(self) -> None:
        """Give the lease back (safe to call when not held)."""

    def is_held(self) -> bool:
        """Whether someone (else) holds the lease now, without taking it."""

    def claim_requeue(self, window_seconds: int) -> bool:
        """True for the first caller in `window_seconds`: only it re-enqueues the batch."""


class FileLease:
    """An exclusive `flock` on a per-batch file; released by the kernel if the holder dies."""

    def __init__(self, directory: Path, batch_id: int):
        self.path = directory / f"batch-{batch_id}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Lock the file without waiting."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            if self._same_file(fd):
                self._fd = fd
                return True
            # The holder released (unlinking the file) between our open and flock: we
            # locked an orphan inode no one else sees. Open the path afresh.
            os.close(fd)
        return False

    def _same_file(self, fd: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Unlink, then unlock (in that order, so no one can lock a file about to vanish)."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def is_held(self) -> bool:
        """Probe with a shared lock: it fails only while a holder has the exclusive one."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing also drops our shared lock
        return False

    def claim_requeue(self, window_seconds: int) -> bool:
        """A marker file whose age says when the batch was last re-enqueued."""
        marker = self.path.with_name(self.path.stem + ".requeued")
        try:
            if time.time() - marker.stat().st_mtime < window_seconds:
                return False
        except FileNotFoundError:
            marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()  # also refreshes the mtime of an old marker
        return True


class RedisLease:
    """A Redis lock with a TTL, kept alive by a heartbeat thread while held."""

    def __init__(self, redis_url: str, batch_id: int, seconds: int):
        import redis

        self._client = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=5)
        # thread_local=False: the heartbeat thread must see the token the task thread got.
        self._lock = self._client.lock(
            f"shebao:lease:batch:{batch_id}", timeout=seconds, blocking=False, thread_local=False
        )
        self._seconds = seconds
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting and start the heartbeat."""
        if not self._lock.acquire(blocking=False):
            self._client.close()
            return False
        self._beat = threading.Thread(target=self._heartbeat, name="lease-heartbeat", daemon=True)
        self._beat.start()
        return True

    def _heartbeat(self) -> None:
        while not self._stop.wait(self._seconds / 3):
            try:
                self._lock.reacquire()
            except Exception:  # a Redis blip: keep trying; the TTL covers a few misses
                log.warning("could not refresh %s", self._lock.name, exc_info=True)

    def release(self) -> None:
        """Stop the heartbeat and delete the lock if it is still ours."""
        if self._beat is None:
            return
        self._stop.set()
        self._beat.join(timeout=5)
        self._beat = None
        try:
            self._lock.release()
        except Exception:  # expired or Redis gone: nothing left to give back
            log.warning("lease %s already gone", self._lock.name, exc_info=True)
        self._client.close()

    def is_held(self) -> bool:
        """Whether the lock key exists (it expires when its holder stops refreshing it)."""
        try:
            return bool(self._client.exists(self._lock.name))
        finally:
            self._client.close()

    def claim_requeue(self, window_seconds: int) -> bool:
        """SET NX with a TTL: atomic across every worker on every machine."""
        try:
            key = f"{self._lock.name}:requeued"
            return bool(self._client.set(key, "1", nx=True, ex=max(1, window_seconds)))
        finally:
            self._client.close()


def lease_for(settings, tuning, batch_id: int) -> Lease:
    """The lease kind that matches the broker: Redis when configured, else a file."""
    if settings.redis_url:
        return RedisLease(settings.redis_url, batch_id, tuning.lease_seconds)
    return FileLease(settings.data_dir / "leases", batch_id)
