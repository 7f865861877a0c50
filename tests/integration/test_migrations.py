"""Schema migrations: head is reached from nothing and from 0001 with data kept, goes
back down, and the one-active-enrolment rule holds on both databases."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from registry.db import MIGRATIONS_DIR
from tests.conftest import PG_ADMIN_URL, _pg_available, service_missing

ENROL = (
    "INSERT INTO enrolments (person_id, employer_id, insurance, start_month, status) "
    "VALUES ('330682199003150018', :employer, '110', '202601', :status)"
)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    """An empty database of its own (migrations change the schema under other tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    if not _pg_available():
        service_missing("PostgreSQL")
    import psycopg

    admin = PG_ADMIN_URL.replace("+psycopg", "")
    name = f"shebao_m_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _indexes(engine, table: str) -> set[str]:
    """Index names from the catalog (reflection leaves out expression indexes on SQLite)."""
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = :t AND indexname NOT LIKE '%pkey'"
    )
    with engine.connect() as conn:
        return set(conn.execute(text(sql), {"t": table}).scalars())


def test_upgrade_from_0001_keeps_rows_and_swaps_the_indexes(fresh_url):
    cfg = _config(fresh_url)
    command.upgrade(cfg, "0001")
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO employers (code, name, risk_class, created_at) VALUES ('1', 'x', 1, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO batches (employer_id, file_name, sha256, file_bytes, status, rows,"
                " applied, rejected, unchanged, pending_review, warnings, progress_done,"
                " progress_total, options, created_at) VALUES (1, 'a.xlsx', 'h', :b, 'done', 1, 1, 0,"
                " 0, 0, 0, 1, 1, '{}', CURRENT_TIMESTAMP)"
            ),
            {"b": b"x"},
        )
        conn.execute(
            text(
                "INSERT INTO declarations (batch_id, employer_id, excel_row, kind, payload,"
                " status, created_at) VALUES (1, 1, 3, 'person_add', '{}', 'applied',"
                " CURRENT_TIMESTAMP)"
            )
        )
    assert "ix_enrolments_person" in _indexes(engine, "enrolments")
    command.upgrade(cfg, "head")
    engine.dispose()
    engine = create_engine(fresh_url)
    assert _indexes(engine, "enrolments") == {"ix_enrolments_employer", "ux_enrolments_active"}
    assert inspect(engine).get_foreign_keys("declarations") == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT excel_row FROM declarations")).scalars().all() == [3]
    engine.dispose()


def test_downgrade_restores_0001_and_upgrade_returns(fresh_url):
    cfg = _config(fresh_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "0001")
    engine = create_engine(fresh_url)
    assert "ix_enrolments_person" in _indexes(engine, "enrolments")
    assert "ix_declarations_employer_kind" in _indexes(engine, "declarations")
    assert len(inspect(engine).get_foreign_keys("declarations")) == 1
    engine.dispose()
    command.upgrade(cfg, "head")


def test_one_active_enrolment_per_insurance_but_any_number_stopped(fresh_url):
    command.upgrade(_config(fresh_url), "head")
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        for employer in (1, 2, 3):
            conn.execute(text(ENROL), {"employer": employer, "status": "stopped"})
        conn.execute(text(ENROL), {"employer": 4, "status": "active"})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(ENROL), {"employer": 5, "status": "active"})
    engine.dispose()
