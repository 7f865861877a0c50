"""Fixtures of the fault and load tests: servers of the test's own (Redis, PostgreSQL),
workers, employers and the 100,000-row sheet made by the benchmark's generator.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from registry.accounts import create_employer, login_name
from registry.uow import UnitOfWork
from tests.conftest import _migrated, _truncate_all, service_missing
from tests.faults.servers import OwnPostgres, OwnRedis, pg_bin
from tests.integration.test_worker_support import REPO, WorkerProcess, worker_env

PASSWORD = "Passw0rd!"
BIG_ROWS = 100_000
REDIS = pytest.param(
    "redis", marks=[pytest.mark.redis, pytest.mark.postgres, pytest.mark.xdist_group("redis")]
)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, which the test may stop and start again."""
    if shutil.which("redis-server") is None:
        service_missing("redis-server")
    server = OwnRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def own_pg_cluster():
    """A PostgreSQL cluster of this session's own (initdb in a temporary directory)."""
    bindir = pg_bin()
    if bindir is None:
        service_missing("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    cluster = OwnPostgres(bindir).init()
    yield cluster
    from registry.db import get_engine

    get_engine(cluster.url).dispose()
    cluster.destroy()


@pytest.fixture
def own_pg(own_pg_cluster):
    """The own cluster, running, migrated and emptied for this test."""
    own_pg_cluster.start() if not _accepts(own_pg_cluster.url) else None
    _migrated(own_pg_cluster.url)
    _truncate_all(own_pg_cluster.url)
    return own_pg_cluster


def _accepts(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def make_employers(database_url: str, count: int) -> list[tuple[int, str]]:
    """`count` employers (codes 20000001...); (id, login name) of each."""
    made = []
    with UnitOfWork.for_url(database_url) as uow:
        for n in range(count):
            code = f"{20000001 + n}"
            employer, _ = create_employer(uow.session, code, f"负载测试单位{n + 1}", PASSWORD)
            uow.session.flush()
            made.append((employer.id, login_name(code)))
        uow.commit()
    return made


@pytest.fixture
def workers(tmp_path):
    """Starts worker processes (queues: all, or "small"); all are killed at teardown."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], name: str, queues: str | None = None) -> WorkerProcess:
        worker = WorkerProcess(env, tmp_path / f"{name}.log", name, queues=queues)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture(scope="session")
def big_sheet(tmp_path_factory) -> Path:
    """A 100,000-row 人员增加 workbook (about 1% defects), generated in its own process."""
    path = tmp_path_factory.mktemp("sheets") / "big.xlsx"
    subprocess.run(
        [sys.executable, "-m", "bench.make_sheet", str(path), str(BIG_ROWS)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return path


@pytest.fixture(params=["embedded", REDIS])
def broker_env(request, tmp_path):
    """A worker environment with production timings, on the embedded default (SQLite)
    or on Redis + PostgreSQL (the shared servers: these tests stop neither)."""
    if request.param == "embedded":
        url, redis_url = request.getfixturevalue("sqlite_url"), None
    else:
        url, redis_url = request.getfixturevalue("pg_url"), request.getfixturevalue("redis_url")
    return worker_env(
        tmp_path / "data", url, redis_url, SHEBAO_CHUNK_ROWS="5000",
        SHEBAO_LEASE_SECONDS="15", SHEBAO_RECOVER_INTERVAL_SECONDS="5",
    )  # fmt: skip
