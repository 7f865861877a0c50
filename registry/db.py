"""Engine and session factory for a database URL; schema creation through Alembic."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the web read while a worker writes; busy_timeout makes writers wait, not fail.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    # 64 MiB of page cache (the default is 2 MiB): bulk loads update several indexes per
    # row, and with the small cache their pages are evicted and re-read constantly.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine per URL and process (engines pool connections; never make two).

    `hide_parameters`: a database error's text (and so any log of it) names the
    statement but never its values, which hold ID numbers and names."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def session_factory(url: str) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine of `url`."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def upgrade_schema(url: str) -> None:
    """Create or upgrade the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    get_engine(url)  # creates the SQLite folder when needed
    command.upgrade(cfg, "head")


def is_postgres(engine: Engine) -> bool:
    """Whether bulk paths may use PostgreSQL-only statements."""
    return engine.dialect.name == "postgresql"
