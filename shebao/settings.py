"""Settings, read once from environment variables.

Service addresses use their conventional names (`DATABASE_URL`, `REDIS_URL`); everything
else is prefixed `SHEBAO_`. Nothing here connects to anything: it only reads text.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path


def env_int(name: str, default: int) -> int:
    """The whole number in environment variable `name`, or `default` when it is unset."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    """Everything the entry points need to build the app, the worker and the engine."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    # From SHEBAO_SECRET_KEY; None means "the development secret kept in data_dir", which
    # only the web needs: see `signing_key`. Reading settings never writes a file.
    secret_key: str | None
    max_upload_bytes: int = 30 * 1024 * 1024
    max_rows: int = 300_000
    chunk_rows: int = 10_000
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    secure_cookies: bool = False
    # The child process that reads an upload (see importer.sandbox).
    reader_memory_mb: int = 2048
    reader_cpu_seconds: int = 120
    # How long a batch can be undone (撤销本批次): assessment | days:N | always, see
    # importer.undo_window; read with `undo_window()`.
    undo_window_text: str = "assessment"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def broker_url(self) -> str:
        """Redis when configured, else kombu's SQLAlchemy transport on a local SQLite file."""
        if self.redis_url:
            return self.redis_url
        return f"sqla+sqlite:///{self.data_dir / 'broker.db'}"

    def reader_limits(self):
        """The limits of the child process that reads uploads (importer.sandbox)."""
        from importer.sandbox import ReaderLimits

        return ReaderLimits(self.reader_memory_mb, self.reader_cpu_seconds)

    def undo_window(self):
        """The window in which a finished batch can be undone (importer.undo_window)."""
        from importer.undo_window import UndoWindow

        return UndoWindow.parse(self.undo_window_text)

    def signing_key(self) -> str:
        """The key sessions and tokens are signed with: SHEBAO_SECRET_KEY, else a random
        one kept in the data directory (created on first need) so sessions survive
        restarts of a development server."""
        return self.secret_key or _dev_secret(self.data_dir)


def load_settings() -> Settings:
    """Read the settings from the environment, afresh (entry points use `settings()`)."""
    data_dir = Path(os.environ.get("SHEBAO_DATA_DIR", "var")).resolve()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'shebao.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key=os.environ.get("SHEBAO_SECRET_KEY") or None,
        max_upload_bytes=env_int("SHEBAO_MAX_UPLOAD_MB", 30) * 1024 * 1024,
        max_rows=env_int("SHEBAO_MAX_ROWS", 300_000),
        chunk_rows=env_int("SHEBAO_CHUNK_ROWS", 10_000),
        secure_cookies=os.environ.get("SHEBAO_SECURE_COOKIES", "") == "1",
        reader_memory_mb=env_int("SHEBAO_READER_MEMORY_MB", 2048),
        reader_cpu_seconds=env_int("SHEBAO_READER_CPU_SECONDS", 120),
        undo_window_text=os.environ.get("SHEBAO_UNDO_WINDOW", "").strip() or "assessment",
    )


@functools.cache
def settings() -> Settings:
    """This process's settings, read from the environment once; entry points (web app,
    worker, CLI) call this and pass what they need down: the importer never reads them."""
    return load_settings()


def _dev_secret(data_dir: Path) -> str:
    """A random secret kept in the data directory, so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = os.urandom(32).hex()
    path.write_text(secret)
    return secret
