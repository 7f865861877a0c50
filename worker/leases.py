"""Batch leases: proof that a live worker is processing a batch right now.

A task holds its batch's lease for as long as it runs. A second message for the same batch
(a Redis redelivery, a recovery re-enqueue) finds the lease taken and steps aside, so two
workers never run one batch at once; the recovery pass re-enqueues a `running` batch only
when its lease is free, which means its worker died.

- `FileLease` (embedded broker, one machine): `flock` on `<data_dir>/leases/batch-N.lock`.
  The kernel drops the lock the moment the holding process dies, even by SIGKILL.
- `RedisLease` (Redis broker, many machines): a key with a TTL, refreshed by a heartbeat
  thread, whose value names the holder (`worker.holder`). A dead worker's lease expires
  after `lease_seconds`; one whose holder is provably dead on this very host (a pool
  process killed by the out-of-memory killer) is taken over at once, so the message the
  worker redelivers resumes the batch in seconds instead of stepping aside.

`state()` tells the recovery pass what it can be sure of: `ABANDONED` means a holder took
the lease and died (its lock file left unlocked, or its key naming a process dead on this
host); `FREE` (no file, no key) means no one took it, or a live holder lost its key in a
Redis outage and is about to write it again, so recovery confirms it on a later pass.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import Literal, Protocol

from worker.holder import holder_is_dead, new_holder

log = logging.getLogger(__name__)

LeaseState = Literal["held", "free", "abandoned"]
HELD: LeaseState = "held"
FREE: LeaseState = "free"
ABANDONED: LeaseState = "abandoned"


class Lease(Protocol):
    """A non-blocking, exclusive claim on one batch."""

    def acquire(self) -> bool:
        """Take the lease if free; False when another live worker holds it."""

    def release(self) -> None:
        """Give the lease back (safe to call when not held)."""

    def is_held(self) -> bool:
        """Whether someone (else) alive holds the lease now, without taking it."""

    def state(self) -> LeaseState:
        """HELD, FREE (no holder seen) or ABANDONED (certainly no live holder)."""

    def holder(self) -> str | None:
        """`host:pid:start:nonce` of the live holder, None when there is none."""

    def claim_requeue(self, window_seconds: int) -> bool:
        """True for the first caller in `window_seconds`: only it re-enqueues the batch."""


class FileLease:
    """An exclusive `flock` on a per-batch file; released by the kernel if the holder dies."""

    def __init__(self, directory: Path, batch_id: int):
        self.path = directory / f"batch-{batch_id}.lock"
        self._marker = self.path.with_name(self.path.stem + ".requeued")
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
                os.ftruncate(fd, 0)
                os.write(fd, new_holder().encode())  # who runs it, for people and tests
                # Running now: a later death of this worker may be re-enqueued at once.
                self._marker.unlink(missing_ok=True)
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
        return self.state() == HELD

    def state(self) -> LeaseState:
        """No file: FREE (never taken, or released). A file left unlocked: ABANDONED, for
        certain, since the kernel keeps no lock of a dead process."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return FREE
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return HELD
        finally:
            os.close(fd)  # closing also drops our shared lock
        return ABANDONED

    def holder(self) -> str | None:
        """The holder string of a live holder, else None."""
        if self.state() != HELD:
            return None
        try:
            return self.path.read_text() or None
        except FileNotFoundError:
            return None

    def claim_requeue(self, window_seconds: int) -> bool:
        """A marker file whose age says when the batch was last re-enqueued."""
        try:
            if time.time() - self._marker.stat().st_mtime < window_seconds:
                return False
        except FileNotFoundError:
            self._marker.parent.mkdir(parents=True, exist_ok=True)
        self._marker.touch()  # also refreshes the mtime of an old marker
        return True


# KEYS[1] the lease; ARGV: our holder, TTL ms. Extend it if ours, write it again if it
# vanished (a Redis restart, an outage longer than the TTL); 0 when someone else has it.
_REFRESH = """
local v = redis.call('get', KEYS[1])
if v == ARGV[1] or not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"""
# KEYS[1] the lease; ARGV: the dead holder seen, our holder, TTL ms. Compare and swap.
_TAKE_OVER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


_clients: dict[str, object] = {}


def _client(redis_url: str):
    """One client (connection pool) per URL and process: the recovery pass looks at every
    queued batch's lease every few seconds, and must not open a connection for each.
    redis-py's pool notices a fork and starts afresh in the child."""
    import redis

    client = _clients.get(redis_url)
    if client is None:
        client = _clients[redis_url] = redis.Redis.from_url(
            redis_url, socket_timeout=10, socket_connect_timeout=5, decode_responses=True
        )
    return client


class RedisLease:
    """A Redis key naming its holder, with a TTL kept alive by a heartbeat thread."""

    def __init__(self, redis_url: str, batch_id: int, seconds: int):
        self._client = _client(redis_url)
        self.name = f"shebao:lease:batch:{batch_id}"
        self._ttl_ms = max(1, seconds) * 1000
        self._seconds = seconds
        self._holder = new_holder()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> bool:
        """Take the key if absent or left by a dead process of this host; start the heartbeat."""
        if not self._client.set(self.name, self._holder, nx=True, px=self._ttl_ms):
            current = self._client.get(self.name)
            if current is None or not holder_is_dead(str(current)):
                return False
            if not self._client.eval(_TAKE_OVER, 1, self.name, current, self._holder, self._ttl_ms):
                return False
            log.warning("took over %s from dead holder %s", self.name, str(current))
        try:
            self._client.delete(f"{self.name}:requeued")  # running now: see FileLease.acquire
        except Exception:  # best effort: the marker expires by itself
            log.warning("could not clear the requeue marker of %s", self.name, exc_info=True)
        self._stop.clear()
        self._beat = threading.Thread(target=self._heartbeat, name="lease-heartbeat", daemon=True)
        self._beat.start()
        return True

    def _heartbeat(self) -> None:
        while not self._stop.wait(self._seconds / 3):
            try:
                if not self._client.eval(_REFRESH, 1, self.name, self._holder, self._ttl_ms):
                    log.error("lease %s was taken by another worker", self.name)
            except Exception:  # a Redis blip: keep trying; the TTL covers a few misses
                log.warning("could not refresh %s", self.name, exc_info=True)

    def release(self) -> None:
        """Stop the heartbeat and delete the key if it is still ours."""
        if self._beat is None:
            return
        self._stop.set()
        self._beat.join(timeout=5)
        self._beat = None
        try:
            self._client.eval(_RELEASE, 1, self.name, self._holder)
        except Exception:  # Redis gone: the key expires by itself
            log.warning("lease %s could not be released", self.name, exc_info=True)

    def is_held(self) -> bool:
        """Whether the key exists with a holder that may be alive."""
        return self.state() == HELD

    def state(self) -> LeaseState:
        """HELD, FREE (no key) or ABANDONED (its holder is dead on this host)."""
        current = self._client.get(self.name)
        if current is None:
            return FREE
        return ABANDONED if holder_is_dead(str(current)) else HELD

    def holder(self) -> str | None:
        """The holder string of a live holder, else None."""
        current = self._client.get(self.name)
        return None if current is None or holder_is_dead(str(current)) else str(current)

    def claim_requeue(self, window_seconds: int) -> bool:
        """SET NX with a TTL: atomic across every worker on every machine."""
        key = f"{self.name}:requeued"
        return bool(self._client.set(key, "1", nx=True, ex=max(1, window_seconds)))


def lease_for(settings, tuning, batch_id: int) -> Lease:
    """The lease kind that matches the broker: Redis when configured, else a file."""
    if settings.redis_url:
        return RedisLease(settings.redis_url, batch_id, tuning.lease_seconds)
    return FileLease(settings.data_dir / "leases", batch_id)
