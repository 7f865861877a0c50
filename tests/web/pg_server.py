"""A PostgreSQL server of the test's own (initdb + pg_ctl into a temporary folder, on a
free port), so an outage can be staged without touching the machine's shared server."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateServer:
    """initdb'd on creation; `start()` / `stop()` as often as a test likes; `remove()`."""

    def __init__(self) -> None:
        initdb, self._pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if initdb is None or self._pg_ctl is None:
            raise FileNotFoundError("initdb / pg_ctl not installed")
        self.root = Path(tempfile.mkdtemp(prefix="shebao-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        # initdb refuses to run as root: run the server as the postgres user then.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as, *argv], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self._pg_ctl, "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once (connections are cut, as in an outage)."""
        self._run(self._pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs and delete its files."""
        subprocess.run([*self._as, self._pg_ctl, "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_gone(self, timeout: float = 10) -> None:
        """Until nothing listens on the port any more."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.1)
