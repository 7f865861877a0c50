"""`shebao import` on large and hostile files: one parse for the import and both
workbooks, and a file over the row limit refused without being loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import importer.reader
from shebao.cli import main
from tests.builders import xlsx_bytes
from tests.hostile.conftest import TEST_CAP_MB, header_rows, sheet_xml, write_package
from tests.integration.test_worker_support import TODAY, roster_rows

pytestmark = pytest.mark.integration
CODE = "12345678"
_CAPPED_CLI = """
import resource, sys
cap = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from shebao.cli import main
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    # VmHWM restarts at exec (ru_maxrss would include the pytest process forked from).
    own = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
    peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(f"PEAK {peak // 1024}", file=sys.stderr)
"""


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "SHEBAO_DATA_DIR": str(tmp_path / "var"),
        "SHEBAO_TODAY": TODAY,
        "SHEBAO_SECRET_KEY": "cli-test",
    }
    runner = CliRunner()
    for args in (
        ["init-db"],
        [
            "employer",
            "create",
            "--code",
            CODE,
            "--name",
            "上虞示例制造有限公司",
            "--password",
            "Passw0rd!",
        ],
    ):
        assert runner.invoke(main, args, env=env).exit_code == 0
    return env


def test_import_with_report_and_corrections_reads_the_file_once(env, tmp_path, monkeypatch):
    reads = []
    real = importer.reader.run_isolated

    def counted(request, limits):
        reads.append(request[2])
        return real(request, limits)

    monkeypatch.setattr(importer.reader, "run_isolated", counted)
    rows = roster_rows(5)
    rows[0][2] = rows[0][2][:17] + ("1" if rows[0][2][17] != "1" else "2")  # a bad check digit
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes("person_add", rows))
    report, corrections = tmp_path / "report.xlsx", tmp_path / "fix.xlsx"
    result = CliRunner().invoke(
        main,
        ["import", str(path), "--employer", CODE, "--json",
         "--report", str(report), "--corrections", str(corrections)],
        env=env,
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rejected"] == 1
    assert report.stat().st_size > 0 and corrections.stat().st_size > 0
    assert reads == ["roster.xlsx"]


def test_a_file_over_the_row_limit_is_refused_without_being_loaded(env, tmp_path):
    def body():
        yield header_rows()
        for start in range(2, 400_002, 50_000):
            yield "".join(
                f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>张三</t></is></c>'
                f'<c r="D{r}"><v>{r}</v></c></row>'
                for r in range(start, start + 50_000)
            ).encode()

    path = write_package(tmp_path / "big.xlsx", [("人员增加", "visible", sheet_xml(body))])
    done = subprocess.run(
        [sys.executable, "-c", _CAPPED_CLI, str(TEST_CAP_MB),
         "import", str(path), "--employer", CODE, "--json"],
        capture_output=True, env={**os.environ, **env}, timeout=300,
    )  # fmt: skip
    error = json.loads(done.stdout)["error"]
    peak = int(done.stderr.decode().rsplit("PEAK ", 1)[1])
    print(f"\n400,000 rows: {Path(path).stat().st_size:,} B, peak {peak} MB, {error['message']}")
    assert error["code"] == "too_many_rows" and "300,000" in error["message"]
    assert peak < 300
