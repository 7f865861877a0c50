"""Helpers of the worker integration tests: real worker processes, sheets, registry counts.

This module holds no tests (its name only keeps it among the files these tests own).
Every worker is a real `celery worker` subprocess in its own process group, so a test can
SIGKILL it with its pool children as a crash would, and teardown can always reap it.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import distinct, func, select

from registry.models import Batch, ContributionBase, Declaration, Enrolment, Person
from registry.uow import UnitOfWork
from shebao.settings import Settings
from validators.idcard import check_char
from worker.app import SMALL_QUEUE

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-29"  # fixed "today" of the engine (SHEBAO_TODAY); 参保年月 202611 is valid
MONTH = "202611"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def roster_rows(n: int, start: int = 0) -> list[list[str]]:
    """`n` valid 人员增加 rows with distinct IDs whose gender and birth date agree."""
    rows = []
    first_birth = dt.date(1990, 1, 1)  # young enough for every insurance
    for i in range(start, start + n):
        born = first_birth + dt.timedelta(days=i // 500)
        seq = (i % 500) * 2 + i % 2  # the 17th digit is odd for men, even for women
        first17 = f"330682{born:%Y%m%d}{seq:03d}"
        name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20]
        rows.append([
            name, "居民身份证", first17 + check_char(first17), "男" if seq % 2 else "女",
            f"{born:%Y-%m-%d}", "汉族", "城镇", "工人", "劳动合同制", "", "新参保", MONTH,
            "6500", "是", "是", "是", "是", "13812345678", "",
        ])  # fmt: skip
    return rows


def worker_env(
    data_dir: Path, database_url: str, redis_url: str | None, **extra: str
) -> dict[str, str]:
    """The environment of a worker process of one test: its database, broker and data dir."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        SHEBAO_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        SHEBAO_TODAY=TODAY,
        SHEBAO_SECRET_KEY="test-secret",
        SHEBAO_LEASE_SECONDS="5",
        SHEBAO_RECOVER_INTERVAL_SECONDS="2",
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def settings_of(env: dict[str, str]) -> Settings:
    """The settings a worker started with `env` reads (for enqueueing from the test)."""
    return Settings(
        data_dir=Path(env["SHEBAO_DATA_DIR"]),
        database_url=env["DATABASE_URL"],
        redis_url=env.get("REDIS_URL"),
        secret_key=env["SHEBAO_SECRET_KEY"],
    )


class WorkerProcess:
    """A `celery -A worker.app:celery worker` subprocess in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path, name: str, queues: str | None = None):
        self.env, self.log_path, self.name, self.queues = env, log_path, name, queues
        self.proc: subprocess.Popen | None = None

    def start(self, ready_timeout: float = 180) -> WorkerProcess:
        """Start the worker and wait until it says it is ready."""
        command = [
            sys.executable, "-m", "celery", "-A", "worker.app:celery", "worker",
            "--concurrency=1", "--loglevel=info", "--without-gossip", "--without-mingle",
            f"--hostname={self.name}@%h",
        ]  # fmt: skip
        if self.queues == "small":
            command.append(f"--queues={SMALL_QUEUE}")  # as `shebao worker --small-only`
        readies = self.log().count(" ready.")  # a restarted worker appends to its log
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: self.log().count(" ready.") > readies,
            lambda ok: ok,
            ready_timeout,
            f"{self.name} ready",
            self.log,
        )
        return self

    def log(self) -> str:
        """Everything the worker printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pool_pids(self) -> list[int]:
        """Pids of the pool processes (children of the main process)."""
        import psutil

        if self.proc is None or self.proc.poll() is not None:
            return []
        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def kill(self) -> None:
        """SIGKILL the whole group (main process and pool children), as a crash would."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def stop(self, grace: float = 20) -> None:
        """Warm shutdown; killed with its group when it does not stop in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_for(
    probe: Callable[[], Any],
    done: Callable[[Any], bool],
    timeout: float,
    what: str,
    context: Callable[[], str] | None = None,
    interval: float = 0.2,
) -> Any:
    """Poll `probe` until `done(value)`; fail with the last value (and context) on timeout."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not done(value):
        if time.monotonic() > deadline:
            tail = context()[-3000:] if context else ""
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; last: {value!r}\n{tail}"
            )
        time.sleep(interval)
        value = probe()
    return value


def batch_state(database_url: str, batch_id: int) -> dict[str, Any]:
    """Status, phase, progress and counts of a batch, read fresh."""
    with UnitOfWork.for_url(database_url) as uow:
        b = uow.session.get(Batch, batch_id)
        return {
            "status": b.status, "phase": b.phase, "done": b.progress_done, "total": b.progress_total,
            "rows": b.rows, "applied": b.applied, "rejected": b.rejected, "error": b.error_message,
        }  # fmt: skip


def registry_counts(database_url: str, employer_id: int, batch_id: int) -> dict[str, int]:
    """What the registry holds for the employer, counted so that a duplicate would show."""
    with UnitOfWork.for_url(database_url) as uow:
        s = uow.session
        applied = (Declaration.batch_id == batch_id) & (Declaration.status == "applied")
        mine = Enrolment.employer_id == employer_id
        pairs = select(Enrolment.person_id, Enrolment.insurance).where(mine).distinct().subquery()
        return {
            "declarations": s.scalar(select(func.count()).where(applied)),
            "declaration_keys": s.scalar(
                select(func.count(distinct(Declaration.natural_key))).where(applied)
            ),
            "declaration_rows": s.scalar(
                select(func.count(distinct(Declaration.excel_row))).where(applied)
            ),
            "enrolments": s.scalar(select(func.count()).where(mine)),
            "enrolment_pairs": s.scalar(select(func.count()).select_from(pairs)),
            "persons": s.scalar(select(func.count()).select_from(Person)),
            "bases": s.scalar(
                select(func.count()).where(ContributionBase.employer_id == employer_id)
            ),
        }
