"""The `shebao` command line as a contract: init-db, employer create, template, import
(JSON shape, exit codes, re-import, corrections → resubmit), roster.

Most tests use click's CliRunner (in process, environment set per call); a few run the
installed `shebao` executable in a subprocess, the way other tools call it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shebao.cli import main
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import (
    ADD_HEADERS,
    TODAY_TEXT,
    open_xlsx,
    person,
)
from validators.codes import INSURANCE_COLUMNS

pytestmark = pytest.mark.integration

CODE = "12345678"
SUMMARY_KEYS = {"batch", "kind", "rows", "applied", "rejected", "unchanged", "errors"}
ERROR_KEYS = {"row", "column", "letter", "value", "code", "message", "severity"}
# Insurance codes as the template's columns list them: 养老 110, 医疗 310, 失业 210, 工伤 410.
TEMPLATE_ORDER = list(INSURANCE_COLUMNS.values())
ROSTER_KEYS = {"id_number", "name", "status", "insurances", "base", "start_month", "end_month"}


class Shell:
    """Runs `shebao ...` against one database and data folder."""

    def __init__(self, tmp_path: Path, database_url: str | None = None):
        self.dir = tmp_path
        self.env = {
            "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'cli.db'}",
            "SHEBAO_DATA_DIR": str(tmp_path / "var"),
            "SHEBAO_TODAY": TODAY_TEXT,
            "SHEBAO_SECRET_KEY": "cli-test",
        }
        self.runner = CliRunner()

    def __call__(self, *args: str):
        return self.runner.invoke(main, list(args), env=self.env, catch_exceptions=False)

    def ok(self, *args: str):
        result = self(*args)
        assert result.exit_code == 0, (result.output, result.stderr)
        return result

    def file(self, name: str, data: bytes) -> str:
        path = self.dir / name
        path.write_bytes(data)
        return str(path)

    def import_json(self, path: str, *extra: str, expect: int = 0) -> dict:
        result = self("import", path, "--employer", CODE, "--json", *extra)
        assert result.exit_code == expect, (result.output, result.stderr)
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, result.stdout
        return json.loads(lines[0])


@pytest.fixture
def sh(tmp_path) -> Shell:
    shell = Shell(tmp_path)
    shell.ok("init-db")
    shell.ok(
        "employer",
        "create",
        "--code",
        CODE,
        "--name",
        "上虞示例制造有限公司",
        "--password",
        "Passw0rd!",
    )
    return shell


def _assert_summary_shape(summary: dict) -> None:
    assert SUMMARY_KEYS <= set(summary), summary.keys()
    assert isinstance(summary["batch"], int)
    for key in ("rows", "applied", "rejected", "unchanged"):
        assert isinstance(summary[key], int)
    for e in summary["errors"]:
        assert set(e) == ERROR_KEYS
        assert e["severity"] in ("error", "warning")
        assert isinstance(e["message"], str) and e["message"]
        assert e["row"] is None or isinstance(e["row"], int)


# ------------------------------------------------------------------ set-up commands


def test_init_db_is_repeatable_and_employer_codes_are_unique(tmp_path):
    sh = Shell(tmp_path)
    first = sh.ok("init-db")
    assert "数据库" in first.output
    sh.ok("init-db")
    created = sh.ok(
        "employer", "create", "--code", CODE, "--name", "甲公司", "--password", "Passw0rd!"
    )
    assert "33068212345678" in created.output and "Passw0rd!" not in created.output

    dup = sh("employer", "create", "--code", CODE, "--name", "乙公司", "--password", "Passw0rd!")
    assert dup.exit_code == 1
    assert "已存在" in dup.output + dup.stderr

    bad = sh("employer", "create", "--code", "1234", "--name", "丙公司")
    assert bad.exit_code == 1 and "8 位数字" in bad.output + bad.stderr

    generated = sh.ok("employer", "create", "--code", "87654321", "--name", "丁公司")
    assert "初始密码" in generated.output


@pytest.mark.parametrize("kind, title", [("person_add", "人员增加"), ("person_remove", "人员减少")])
def test_template_command_writes_the_standard_template(sh, kind, title):
    out = sh.dir / f"{kind}.xlsx"
    sh.ok("template", kind, "-o", str(out))
    wb = open_xlsx(out.read_bytes())
    assert wb.worksheets[0].title == title
    assert wb["_shebao"]["B1"].value == kind


def test_template_of_an_unknown_kind(sh, tmp_path):
    result = sh("template", "salary", "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code != 0
    assert "未知的申报类型" in result.output + result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_filled_template_from_the_cli_imports(sh):
    out = sh.dir / "t.xlsx"
    sh.ok("template", "person_add", "-o", str(out))
    wb = open_xlsx(out.read_bytes())
    for c, value in enumerate(person(0).add(), start=1):
        wb.worksheets[0].cell(3, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    summary = sh.import_json(sh.file("filled.xlsx", buf.getvalue()), "--kind", "person_add")
    assert (summary["applied"], summary["rejected"]) == (1, 0)


# ------------------------------------------------------------------ import


def test_import_json_contract_reimport_and_roster(sh):
    rows = [person(0).add(), person(1).add(月缴费工资="3000"), person(2).add(联系电话="12")]
    path = sh.file("人员增加.xlsx", xlsx_bytes("person_add", rows))
    summary = sh.import_json(path)
    _assert_summary_shape(summary)
    assert summary["kind"] == "person_add"
    assert (summary["rows"], summary["applied"], summary["rejected"], summary["unchanged"]) == (
        3,
        2,
        1,
        0,
    )
    errors = [e for e in summary["errors"] if e["severity"] == "error"]
    assert errors == [
        {
            "row": 5,
            "column": "联系电话",
            "letter": "R",
            "value": "12",
            "code": "phone_format",
            "message": errors[0]["message"],
            "severity": "error",
        }
    ]
    assert "11 位手机号" in errors[0]["message"]
    warnings = {(e["row"], e["code"]) for e in summary["errors"] if e["severity"] == "warning"}
    assert (4, "base_below_floor") in warnings

    again = sh.import_json(path)
    assert again["batch"] != summary["batch"]
    assert (again["applied"], again["unchanged"], again["rejected"]) == (0, 2, 1)

    roster = json.loads(sh.ok("roster", "--employer", CODE, "--json").stdout)
    assert isinstance(roster, list) and len(roster) == 2
    for entry in roster:
        assert set(entry) == ROSTER_KEYS
        assert entry["status"] == "active"
        assert entry["insurances"] == TEMPLATE_ORDER
        assert entry["start_month"] == "202611" and entry["end_month"] is None
    by_id = {e["id_number"]: e for e in roster}
    assert by_id[person(0).id_number]["name"] == person(0).name
    assert by_id[person(0).id_number]["base"] == "6500.00"
    assert by_id[person(1).id_number]["base"] == "4812.00"


def test_roster_after_a_removal(sh):
    sh.import_json(
        sh.file("add.xlsx", xlsx_bytes("person_add", [person(0).add(), person(1).add()]))
    )
    removal = xlsx_bytes("person_remove", [person(0).remove(减少原因="辞职", 停保年月="202612")])
    summary = sh.import_json(sh.file("remove.xlsx", removal))
    assert (summary["kind"], summary["applied"]) == ("person_remove", 1)
    roster = {
        e["id_number"]: e for e in json.loads(sh.ok("roster", "--employer", CODE, "--json").stdout)
    }
    assert roster[person(0).id_number]["status"] == "stopped"
    assert roster[person(0).id_number]["end_month"] == "202612"
    assert roster[person(0).id_number]["insurances"] == TEMPLATE_ORDER
    assert roster[person(1).id_number]["status"] == "active"

    text = sh.ok("roster", "--employer", CODE)
    assert person(0).id_number in text.output
    unknown = sh("roster", "--employer", "99999999", "--json")
    assert unknown.exit_code == 1 and "不存在" in unknown.output + unknown.stderr


def test_corrections_fixed_and_resubmitted_from_the_cli(sh):
    rows = [
        person(0).add(),
        person(1).add(性别="女"),
        person(2).add(证件号码=float(person(2).id_number)),
    ]
    path = sh.file("人员增加.xlsx", xlsx_bytes("person_add", rows))
    report = sh.dir / "报告.xlsx"
    corrections = sh.dir / "更正.xlsx"
    summary = sh.import_json(path, "--report", str(report), "--corrections", str(corrections))
    assert (summary["applied"], summary["rejected"]) == (1, 2)
    assert open_xlsx(report.read_bytes()).sheetnames[:2] == ["错误报告", "问题清单"]

    wb = open_xlsx(corrections.read_bytes())
    ws = wb.worksheets[0]
    assert ws.cell(3, 3).value == person(1).id_number
    ws.cell(3, ADD_HEADERS.index("性别") + 1).value = "男"
    ws.cell(4, ADD_HEADERS.index("证件号码") + 1).value = person(2).id_number
    wb.save(corrections)

    resubmitted = sh.import_json(str(corrections), "--resubmit-of", str(summary["batch"]))
    assert (resubmitted["applied"], resubmitted["rejected"], resubmitted["unchanged"]) == (2, 0, 0)
    assert resubmitted["rows"] == 2
    again = sh.import_json(path)
    assert (again["unchanged"], again["applied"]) == (1, 0)
    roster = json.loads(sh.ok("roster", "--employer", CODE, "--json").stdout)
    assert len(roster) == 3


def test_resubmit_of_an_unknown_batch(sh):
    path = sh.file("a.xlsx", xlsx_bytes("person_add", [person(0).add()]))
    result = sh("import", path, "--employer", CODE, "--resubmit-of", "999", "--json")
    assert result.exit_code == 1 and "999" in result.output + result.stderr


def test_dry_run_and_all_or_nothing_flags(sh):
    rows = [person(0).add(), person(1).add(联系电话="1")]
    path = sh.file("a.xlsx", xlsx_bytes("person_add", rows))
    dry = sh.import_json(path, "--dry-run")
    assert (dry["applied"], dry["rejected"]) == (0, 1)
    strict = sh.import_json(path, "--all-or-nothing")
    assert (strict["applied"], strict["rejected"]) == (0, 2)
    assert {e["code"] for e in strict["errors"] if e["severity"] == "error"} == {
        "phone_format",
        "held_back",
    }
    assert json.loads(sh.ok("roster", "--employer", CODE, "--json").stdout) == []
    real = sh.import_json(path)
    assert (real["applied"], real["rejected"]) == (1, 1)


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("空.xlsx", b"", "empty_file"),
        ("改名.xlsx", "姓名,证件号码\n".encode(), "renamed_file"),
        ("旧版.xlsx", xlsx_bytes("person_add", [person(0).add()], version=1), "outdated_template"),
        ("无数据.xlsx", xlsx_bytes("person_add", []), "no_data"),
    ],
)
def test_file_rejected_as_a_whole_exits_2_with_a_json_error(sh, name, data, code):
    result = sh("import", sh.file(name, data), "--employer", CODE, "--json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout.strip())
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message"}
    assert payload["error"]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in payload["error"]["message"])


def test_rejected_file_without_json_explains_on_stderr(sh):
    result = sh("import", sh.file("空.xlsx", b""), "--employer", CODE)
    assert result.exit_code == 2
    assert "空的" in result.stderr and result.stdout == ""


def test_wrong_kind_and_unknown_kind(sh):
    path = sh.file("减员.xlsx", xlsx_bytes("person_remove", [person(0).remove()]))
    payload = sh.import_json(path, "--kind", "person_add", expect=2)
    assert payload["error"]["code"] == "wrong_kind"

    result = sh("import", path, "--employer", CODE, "--kind", "salary", "--json")
    assert result.exit_code not in (0, 2)
    assert "未知的申报类型" in result.output + result.stderr


def test_unknown_employer(sh):
    path = sh.file("a.xlsx", xlsx_bytes("person_add", [person(0).add()]))
    result = sh("import", path, "--employer", "99999999", "--json")
    assert result.exit_code == 1 and "不存在" in result.output + result.stderr
    assert json.loads(result.output)["error"]["code"] == "unknown_employer"


def test_text_summary_names_rows_and_columns(sh):
    path = sh.file("a.xlsx", xlsx_bytes("person_add", [person(0).add(联系电话="1")]))
    result = sh.ok("import", path, "--employer", CODE)
    assert "未通过 1" in result.output
    assert "第 3 行 R 联系电话" in result.output


def test_cli_on_both_databases(db_url, tmp_path):
    sh = Shell(tmp_path, db_url)
    sh.ok("init-db")
    sh.ok("employer", "create", "--code", CODE, "--name", "甲公司", "--password", "Passw0rd!")
    path = sh.file("a.xlsx", xlsx_bytes("person_add", [person(0).add(), person(1).add()]))
    assert sh.import_json(path)["applied"] == 2
    assert sh.import_json(path)["unchanged"] == 2
    assert len(json.loads(sh.ok("roster", "--employer", CODE, "--json").stdout)) == 2


# ------------------------------------------------------------------ the real executable


def _shebao() -> list[str]:
    exe = Path(sys.executable).with_name("shebao")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "shebao.cli"]


def test_installed_executable_exit_codes_and_json(tmp_path):
    env = {**os.environ, **Shell(tmp_path).env}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*_shebao(), *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    assert run("init-db").returncode == 0
    assert (
        run(
            "employer", "create", "--code", CODE, "--name", "甲公司", "--password", "Passw0rd!"
        ).returncode
        == 0
    )
    good = tmp_path / "a.xlsx"
    good.write_bytes(xlsx_bytes("person_add", [person(0).add()]))
    done = run("import", str(good), "--employer", CODE, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["applied"] == 1

    bad = tmp_path / "b.xlsx"
    bad.write_text("这不是表格", encoding="utf-8")
    rejected = run("import", str(bad), "--employer", CODE, "--json")
    assert rejected.returncode == 2
    assert json.loads(rejected.stdout)["error"]["code"] == "renamed_file"

    roster = run("roster", "--employer", CODE, "--json")
    assert json.loads(roster.stdout)[0]["id_number"] == person(0).id_number


def test_retirement_json_contract(sh):
    out = json.loads(
        sh.ok(
            "retirement", "--gender", "女", "--identity", "工人", "--birth", "1980-06", "--json"
        ).stdout
    )
    assert out == {
        "month": "2033-03",
        "age_years": 52,
        "age_months": 9,
        "min_contribution_years": 17.0,
    }
    bad = sh("retirement", "--gender", "男", "--identity", "工人", "--birth", "1965/01")
    assert bad.exit_code != 0 and "应为 YYYY-MM" in bad.output


def test_assess_json_contract(sh):
    out = json.loads(sh.ok("assess", "--month", "202611", "--json").stdout)
    assert out["month"] == "202611" and out["assessed"] == 0 and out["insurances"] == {}
    assert "应为 YYYYMM" in sh("assess", "--month", "2026-11").output


def test_statement_and_opening_json_contract(sh):
    from registry.accounts import employer_by_code
    from registry.uow import UnitOfWork
    from tests.registry_data import bulk_persons
    from tests.registry_data import person as registered

    pid = person(0).id_number
    with UnitOfWork.for_url(sh.env["DATABASE_URL"]) as uow:  # an account is a person's
        emp = employer_by_code(uow.session, CODE)
        assert emp is not None
        bulk_persons(uow.session, emp.id, [registered(pid, "张伟")], start_month="202611")
        uow.commit()
    sh.ok("account", "opening", "--id", pid, "--year", "2024", "--balance", "10000")
    out = json.loads(sh.ok("statement", "--id", pid, "--year", "2024", "--json").stdout)
    assert out == {"opening": "10000.00", "credits": "0.00", "interest": "262.00", "closing": "10262.00",
                   "rate": "0.0262", "months": []}  # fmt: skip
    assert "尚未录入" in sh("statement", "--id", pid, "--year", "2031").output
    assert (
        "不是金额"
        in sh("account", "opening", "--id", pid, "--year", "2024", "--balance", "x").output
    )
