"""Servers of a fault test's own, so a test may stop and start them: a `redis-server` and a
PostgreSQL cluster (initdb/pg_ctl in a temporary directory), each on a free port, and the
web (`shebao serve --no-worker`). The machine's shared PostgreSQL and Redis are never
touched.

This module holds no tests.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.integration.test_worker_support import REPO, wait_for


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin holding initdb and pg_ctl, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


class OwnRedis:
    """A `redis-server` without persistence: a restart forgets every key, as a crash does."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> OwnRedis:
        """Start and wait until it answers PING."""
        command = [
            shutil.which("redis-server") or "redis-server", "--port", str(self.port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
        ]  # fmt: skip
        with open(self.workdir / "redis.log", "ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.ping, bool, 30, "redis-server to answer")
        return self

    def ping(self) -> bool:
        """Whether the server answers."""
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.exceptions.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM; it saves nothing)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


class OwnPostgres:
    """A PostgreSQL cluster in a temporary directory; run as `postgres` when we are root."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        # Not under pytest's tmp dir: that is mode 0700, closed to the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="shebao-faults-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "run"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/shebao"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> OwnPostgres:
        """initdb (trust, no fsync), start, create database `shebao`."""
        self.sockets.mkdir(parents=True)
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")  # fmt: skip
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "shebao")
        return self

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        log = self.root / "postgres.log"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut and new ones refused until `start`."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def destroy(self) -> None:
        """Stop (immediately) and delete the cluster."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Status and body of a GET (0 when nothing answered)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


class Web:
    """`shebao serve --no-worker` on a free port, in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> Web:
        """Start the server and wait for its login page."""
        command = [sys.executable, "-m", "shebao.cli", "serve", "--no-worker",
                   "--port", str(self.port), "--threads", "16"]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: http_get(f"{self.base}/login")[0], lambda s: s == 200, 120,
                 "the login page", self.log)  # fmt: skip
        return self

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Ctrl-C, then kill the group if it lingers."""
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=10)


def wait_until(predicate, timeout: float, interval: float = 0.2) -> float | None:
    """Seconds until `predicate()` held, or None when it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    return None
