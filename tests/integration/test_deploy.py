"""The deployment files: docker-compose.yml as `docker-compose config` resolves it (no
Docker engine runs here), and the Dockerfile and .dockerignore it builds from.

Locally a missing docker-compose binary skips; with CI=true it fails (`.ci/run` installs
Debian's docker-compose package).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import service_missing

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SECRET = "test-secret-0123456789abcdef"
APP_SERVICES = ("migrate", "web", "worker")


def compose_binary() -> str:
    """Path of docker-compose (skipped locally, failed in CI when it is missing)."""
    found = shutil.which("docker-compose") or (
        "/usr/bin/docker-compose" if Path("/usr/bin/docker-compose").exists() else None
    )
    if found is None:
        service_missing("docker-compose")
    return found


def run_config(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """`docker-compose -f docker-compose.yml config` with only the given variables set."""
    empty_env_file = tmp_path / "empty.env"  # a developer's .env must not change the result
    empty_env_file.write_text("")
    command = [
        compose_binary(),
        "--env-file",
        str(empty_env_file),
        "-f",
        "docker-compose.yml",
        "config",
    ]
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(
        command, cwd=REPO, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def load_yaml(text: str) -> dict:
    """Parse YAML with PyYAML, or with the interpreter docker-compose itself runs on."""
    try:
        import yaml
    except ImportError:
        interpreter = Path(compose_binary()).read_text().splitlines()[0].removeprefix("#!").split()
        code = "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"
        out = subprocess.run(
            [*interpreter, "-c", code], input=text, capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)
    return yaml.safe_load(text)


@pytest.fixture(scope="module")
def compose(tmp_path_factory) -> dict:
    """The resolved compose file with SHEBAO_SECRET_KEY and POSTGRES_PASSWORD given."""
    tmp = tmp_path_factory.mktemp("compose")
    result = run_config(tmp, SHEBAO_SECRET_KEY=SECRET, POSTGRES_PASSWORD="pw-from-env")
    assert result.returncode == 0, result.stderr
    return load_yaml(result.stdout)


def test_compose_has_web_worker_redis_postgres_and_a_migration_step(compose):
    assert set(compose["services"]) == {"migrate", "web", "worker", "redis", "postgres"}
    assert compose["services"]["web"]["command"][:2] == ["shebao", "serve"]
    assert "--no-worker" in compose["services"]["web"]["command"]
    assert compose["services"]["worker"]["command"][:2] == ["shebao", "worker"]
    assert compose["services"]["migrate"]["command"] == ["shebao", "init-db"]


def test_worker_can_be_scaled(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert worker["build"]["context"] == str(REPO)


def test_app_services_share_database_redis_and_secret_from_the_environment(compose):
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"] == "postgresql+psycopg://shebao:pw-from-env@postgres:5432/shebao"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SHEBAO_SECRET_KEY"] == SECRET
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pw-from-env"


def test_services_start_in_order_and_report_health(compose):
    services = compose["services"]
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "redis", "postgres"):
        assert services[name]["healthcheck"]["test"], name
    assert any(v.endswith("/var/lib/postgresql/data:rw") for v in services["postgres"]["volumes"])
    assert any(v.endswith("/data:rw") for v in services["redis"]["volumes"])
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}


def test_compose_refuses_to_run_without_a_secret_key(tmp_path):
    result = run_config(tmp_path)
    assert result.returncode != 0
    assert "SHEBAO_SECRET_KEY" in result.stderr


def test_dockerfile_builds_the_package_and_runs_it_as_a_non_root_user():
    lines = [ln.strip() for ln in (REPO / "Dockerfile").read_text().splitlines()]
    instructions = [ln for ln in lines if ln and not ln.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    assert any(ln.startswith("RUN pip install .") and "waitress" in ln for ln in instructions)
    users = [ln.split()[1] for ln in instructions if ln.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    cmd = json.loads(next(ln for ln in instructions if ln.startswith("CMD ")).removeprefix("CMD "))
    assert cmd[:2] == ["shebao", "serve"] and "0.0.0.0" in cmd


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", "tests", "*.db", "secret_key"} <= ignored
