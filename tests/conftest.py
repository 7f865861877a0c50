"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable; in CI required),
Redis, a unit of work and a demo employer.

`CI=true` turns "service missing" from a skip into a failure, so CI never passes by
silently skipping the integration tests.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest

# Cheap password hashing for the suite (servers and workers started by tests inherit it).
os.environ.setdefault("SHEBAO_ARGON2_TIME_COST", "1")
os.environ.setdefault("SHEBAO_ARGON2_MEMORY_KIB", "1024")

PG_ADMIN_URL = os.environ.get(
    "SHEBAO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _redis_test_url() -> str:
    """Redis database 15 (or the one SHEBAO_TEST_REDIS_URL names), one lower for each
    further xdist worker: every worker flushes and queues in a database of its own.

    The suite's `xdist_group` marks cannot be relied on to keep Redis tests on one worker:
    pytest-xdist 3.8 tags grouped tests through `item._nodeid`, which pytest 9 no longer
    reads, so `--dist loadgroup` spreads them like `--dist load`.
    """
    base = os.environ.get("SHEBAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = int(worker[2:]) if worker[2:].isdigit() else 0
    server, _, db = base.rpartition("/")
    return f"{server}/{int(db) - offset}"


REDIS_TEST_URL = _redis_test_url()
IN_CI = os.environ.get("CI", "").lower() == "true"
TODAY = dt.date(2026, 11, 29)


def service_missing(what: str) -> None:
    """Skip locally, fail in CI."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI but not reachable")
    pytest.skip(f"{what} not reachable")


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not _pg_available():
        service_missing("PostgreSQL")
    import psycopg

    name = f"shebao_t_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from registry.db import get_engine

    get_engine(url).dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrated(url: str) -> str:
    from registry.db import upgrade_schema
    from registry.policy import seed_defaults
    from registry.uow import UnitOfWork

    upgrade_schema(url)
    with UnitOfWork.for_url(url) as uow:
        seed_defaults(uow.session)
        uow.commit()
    return url


def _truncate_all(url: str) -> None:
    from sqlalchemy import text

    from registry.db import get_engine
    from registry.models import Base

    engine = get_engine(url)
    names = [t.name for t in Base.metadata.sorted_tables if not t.name.startswith("policy_")]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(names) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_url(tmp_path):
    """A migrated SQLite database of its own for one test."""
    return _migrated(f"sqlite:///{tmp_path / 'shebao.db'}")


@pytest.fixture
def pg_url(pg_database_url):
    """The session's PostgreSQL database, migrated, emptied for this test."""
    _migrated(pg_database_url)
    _truncate_all(pg_database_url)
    return pg_database_url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request):
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def uow_factory(db_url):
    """Makes units of work on the test's database."""
    from registry.uow import UnitOfWork

    return lambda: UnitOfWork.for_url(db_url)


@pytest.fixture
def employer_id(db_url):
    """A demo employer 12345678 with login 33068212345678 / password Passw0rd!."""
    from registry.accounts import create_employer
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        emp, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
        return emp.id


@pytest.fixture
def redis_url():
    """This xdist worker's Redis database, flushed; skipped locally / failed in CI when
    Redis is down."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
        client.ping()
    except Exception:
        service_missing("Redis")
    client.flushdb()
    return REDIS_TEST_URL
