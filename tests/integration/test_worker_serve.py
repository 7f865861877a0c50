"""`shebao seed-demo` and `shebao serve`: demo data created once, and one command running
the web app under waitress with two supervised embedded workers (all batches, small
ones only) that process uploads,
comes back when it dies, and stops with the server on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from importer.batches import BatchOptions, create_batch
from registry.accounts import create_employer, employer_by_code
from registry.models import Batch, Enrolment, User
from registry.uow import UnitOfWork
from shebao.cli import main
from tests.builders import xlsx_bytes
from tests.integration.test_worker_support import (
    REPO,
    batch_state,
    roster_rows,
    settings_of,
    wait_for,
    worker_env,
)
from worker.app import make_celery
from worker.tasks import enqueue

pytestmark = pytest.mark.integration


def test_seed_demo_creates_logins_and_a_roster_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'shebao.db'}"
    env = {"SHEBAO_DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SHEBAO_TODAY": "2026-11-29"}
    runner = CliRunner()
    first = runner.invoke(main, ["seed-demo"], env=env)
    again = runner.invoke(main, ["seed-demo"], env=env)
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert "33068212345678" in first.output and "Demo1234!" in first.output
    assert "reviewer" in first.output and "Review1234!" in first.output
    assert "已存在" in again.output and "已导入" in again.output
    with UnitOfWork.for_url(url) as uow:
        employer = employer_by_code(uow.session, "12345678")
        assert employer.name == "上虞示例制造有限公司"
        assert (
            uow.session.scalar(select(User.role).where(User.username == "reviewer")) == "reviewer"
        )
        assert uow.session.scalar(select(func.count()).select_from(Batch)) == 1
        active = select(func.count()).where(Enrolment.employer_id == employer.id)
        assert uow.session.scalar(active) == 6 * 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> set[int]:
    """Direct children of `pid` (of any of its threads: the watchdog thread spawns too)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return 0


@pytest.fixture
def served(tmp_path, sqlite_url):
    """`shebao serve` on a free port over a test SQLite database; reaped at teardown."""
    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc to find the embedded worker")
    port = free_port()
    env = worker_env(tmp_path / "data", sqlite_url, None)
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shebao.cli", "serve", "--port", str(port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    seen: set[int] = set()
    server = {"proc": proc, "port": port, "env": env, "log": log_path.read_text, "workers": seen}
    yield server
    for pid in [proc.pid, *seen]:  # the worker runs in a session of its own
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


def embedded_workers(server) -> set[int]:
    """Pids of the two worker children of `serve` (all queues, small batches only)."""
    pids = wait_for(
        lambda: children_of(server["proc"].pid),
        lambda found: len(found) == 2,
        60,
        "the embedded workers",
        server["log"],
    )
    server["workers"].update(pids)
    return pids


def process_one_upload(server, url: str) -> dict:
    """Store a 30-row upload, queue it as the web would, wait until it is done."""
    with UnitOfWork.for_url(url) as uow:
        employer, _ = create_employer(uow.session, "87654321", "测试单位", "Passw0rd!")
        uow.commit()
    data = xlsx_bytes("person_add", roster_rows(30))
    batch_id = create_batch(UnitOfWork.for_url(url), employer.id, "a.xlsx", data, BatchOptions())
    app = make_celery(settings_of(server["env"]))
    enqueue(batch_id, app)
    app.close()
    return wait_for(
        lambda: batch_state(url, batch_id),
        lambda s: s["status"] == "done",
        120,
        "the batch",
        server["log"],
    )


def test_serve_runs_web_and_worker_restarts_the_worker_and_stops_on_ctrl_c(served, sqlite_url):
    base = f"http://127.0.0.1:{served['port']}"
    wait_for(
        lambda: http_status(f"{base}/login"),
        lambda s: s == 200,
        90,
        "the login page",
        served["log"],
    )
    assert f"{base}/" in served["log"]()
    first = embedded_workers(served)
    worker_pid = min(first)

    assert process_one_upload(served, sqlite_url)["applied"] == 30

    os.killpg(worker_pid, signal.SIGKILL)  # the worker dies: serve starts another
    wait_for(
        lambda: children_of(served["proc"].pid) - first,
        bool,
        60,
        "a new worker",
        served["log"],
    )
    running = embedded_workers(served)
    assert len(running - first) == 1

    asked = time.monotonic()
    served["proc"].send_signal(signal.SIGINT)
    assert served["proc"].wait(timeout=60) == 0, served["log"]()
    # Both workers wind down side by side (one after the other took 12 s on an idle machine).
    assert time.monotonic() - asked < 11, served["log"]()
    assert "已停止" in served["log"]()
    wait_for(
        lambda: any(alive(pid) for pid in running),
        lambda up: not up,
        10,
        "the workers to be gone",
        served["log"],
    )
