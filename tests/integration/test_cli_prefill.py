"""`shebao template KIND -o FILE --employer CODE --prefill`, and the new kinds through the
CLI's generic import (same JSON as every kind)."""

from __future__ import annotations

import pytest

from tests.builders import xlsx_bytes
from tests.integration.test_cli import CODE, Shell
from tests.integration.test_pipeline_support import open_xlsx, person

pytestmark = pytest.mark.integration


@pytest.fixture
def sh(tmp_path) -> Shell:
    shell = Shell(tmp_path)
    shell.ok("init-db")
    shell.ok("employer", "create", "--code", CODE, "--name", "上虞示例制造有限公司",
             "--password", "Passw0rd!")  # fmt: skip
    return shell


def _staff(sh: Shell, count: int = 3) -> list:
    people = [person(i) for i in range(count)]
    rows = [p.add(失业保险="否") for p in people]
    summary = sh.import_json(sh.file("add.xlsx", xlsx_bytes("person_add", rows)))
    assert summary["applied"] == count
    return sorted(people, key=lambda p: p.id_number)


@pytest.mark.parametrize("kind", ["insurance_add", "insurance_remove"])
def test_template_command_writes_the_new_kinds(sh, kind):
    out = sh.dir / f"{kind}.xlsx"
    sh.ok("template", kind, "-o", str(out))
    assert open_xlsx(out.read_bytes())["_shebao"]["B1"].value == kind


def test_prefilled_template_then_import_two_rows(sh):
    people = _staff(sh)
    out = sh.dir / "险种增加.xlsx"
    sh.ok("template", "insurance_add", "-o", str(out), "--employer", CODE, "--prefill")
    wb = open_xlsx(out.read_bytes())
    ws = wb.worksheets[0]
    assert [ws.cell(r, 2).value for r in range(3, 6)] == [p.id_number for p in people]
    ws.cell(3, 3).value, ws.cell(3, 4).value = "失业保险", "202611"
    ws.cell(5, 3).value, ws.cell(5, 4).value = "失业保险", "202612"
    wb.save(out)
    summary = sh.import_json(str(out), "--kind", "insurance_add")
    assert (summary["kind"], summary["rows"], summary["applied"]) == ("insurance_add", 2, 2)
    notices = [e for e in summary["errors"] if e["code"] == "untouched_prefilled"]
    assert len(notices) == 1 and notices[0]["row"] is None and notices[0]["severity"] == "warning"
    again = sh.import_json(str(out), "--kind", "insurance_add")
    assert again["unchanged"] == 2 and again["applied"] == 0


def test_prefill_needs_an_employer_and_a_prefillable_kind(sh):
    out = str(sh.dir / "x.xlsx")
    for args, text in [
        (("person_remove", "-o", out, "--prefill"), "--employer"),
        (("person_add", "-o", out, "--employer", CODE, "--prefill"), "没有预填模板"),
        (("person_remove", "-o", out, "--employer", "99999999", "--prefill"), "不存在"),
    ]:
        result = sh("template", *args)
        assert result.exit_code != 0 and text in result.output + result.stderr, args
