"""The worker that `shebao serve` runs beside the web: a `shebao worker` child process,
restarted if it dies, stopped (then killed, with its pool) when the server stops.

Killing it is safe: batches are resumable and the next worker's recovery pass finishes
whatever was cut short.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading

import click

PR_SET_PDEATHSIG = 1
RESTART_DELAY_SECONDS = 2


def _die_with_parent() -> None:
    # Linux only: if `shebao serve` is killed outright, the kernel sends the worker SIGTERM,
    # so no orphaned worker keeps running. Elsewhere, best effort: do nothing.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class EmbeddedWorker:
    """A supervised `shebao worker --concurrency N [--small-only]` child process."""

    def __init__(self, concurrency: int = 1, grace_seconds: float = 15, small_only: bool = False):
        self.command = [
            sys.executable,
            "-m",
            "shebao.cli",
            "worker",
            "--concurrency",
            str(concurrency),
        ]
        if small_only:
            self.command.append("--small-only")
        self.grace_seconds = grace_seconds
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._watchdog = threading.Thread(target=self._watch, name="worker-watchdog", daemon=True)

    def start(self) -> EmbeddedWorker:
        """Start the child and the thread that restarts it if it exits on its own."""
        with self._lock:
            self._proc = self._spawn()
        self._watchdog.start()
        return self

    def _spawn(self) -> subprocess.Popen:
        # Its own session: Ctrl-C reaches only `serve`, which then stops the worker in order,
        # and the whole group (main process and pool children) can be killed at once.
        return subprocess.Popen(self.command, start_new_session=True, preexec_fn=_die_with_parent)

    def _watch(self) -> None:
        while not self._stopping.is_set():
            proc = self._proc
            code = proc.wait() if proc else 0
            if self._stopping.wait(RESTART_DELAY_SECONDS):
                return
            click.echo(f"后台处理进程已退出 (代码 {code}), 正在重启。", err=True)
            with self._lock:
                if not self._stopping.is_set():
                    self._proc = self._spawn()

    @property
    def pid(self) -> int | None:
        """Process id of the current child (None before start)."""
        return self._proc.pid if self._proc else None

    def request_stop(self) -> None:
        """Ask the child for a warm shutdown (SIGTERM) without waiting for it: `serve`
        asks every worker first, so they wind down side by side (about 6 s each when idle:
        Celery notices the signal between polls and billiard joins its pool threads)."""
        self._stopping.set()
        with self._lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def stop(self) -> int | None:
        """Warm shutdown (SIGTERM); after the grace period, kill the whole process group."""
        self.request_stop()
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc else None
        try:
            return proc.wait(timeout=self.grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            return proc.wait()
