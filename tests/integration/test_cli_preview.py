"""`shebao import --preview` and `shebao confirm` as a contract: the JSON shapes (the
import object plus `changes`; plus `judged_again`), exit codes and refusals."""

from __future__ import annotations

import json

import pytest

from tests.builders import xlsx_bytes
from tests.integration.test_cli import CODE, SUMMARY_KEYS, Shell, _assert_summary_shape
from tests.integration.test_pipeline_support import person

pytestmark = pytest.mark.integration

CHANGE_KEYS = {"row", "action", "field", "old", "new"}


@pytest.fixture
def sh(tmp_path) -> Shell:
    """`shebao` on a fresh SQLite database with the demo employer (as in test_cli)."""
    shell = Shell(tmp_path)
    shell.ok("init-db")
    shell.ok("employer", "create", "--code", CODE, "--name", "上虞示例制造有限公司",
             "--password", "Passw0rd!")  # fmt: skip
    return shell


def _json_of(result) -> dict:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def _confirm(sh: Shell, batch: int, *extra: str, expect: int = 0) -> dict:
    result = sh("confirm", str(batch), "--json", *extra)
    assert result.exit_code == expect, (result.output, result.stderr)
    return _json_of(result)


def _returning_person(sh: Shell) -> str:
    """Person 1 applied and stopped; returns the sheet bringing 1 back with a new phone and
    养老保险, adding 2, with a bad row 5."""
    a = person(1)
    first = xlsx_bytes(
        "person_add", [a.add(参保年月="202601", 联系电话="13800000001", 养老保险="否")]
    )
    sh.import_json(sh.file("first.xlsx", first))
    stop = xlsx_bytes("person_remove", [a.remove(停保年月="202603")])
    sh.import_json(sh.file("人员减少.xlsx", stop))
    rows = [a.add(联系电话="13900000002"), person(2).add(), person(3).add(联系电话="1")]
    return sh.file("preview.xlsx", xlsx_bytes("person_add", rows))


def test_preview_prints_the_changes_and_applies_nothing(sh):
    path = _returning_person(sh)
    roster_before = sh.ok("roster", "--employer", CODE, "--json").stdout
    summary = sh.import_json(path, "--preview")
    _assert_summary_shape(summary)
    assert SUMMARY_KEYS | {"changes"} <= set(summary)
    assert summary["applied"] == 0
    assert all(set(c) == CHANGE_KEYS for c in summary["changes"])
    by_row: dict[int, list[dict]] = {}
    for c in summary["changes"]:
        by_row.setdefault(c["row"], []).append(c)
    assert {r: {c["action"] for c in cs} for r, cs in by_row.items()} == {
        3: {"change"}, 4: {"add"}, 5: {"rejected"},
    }  # fmt: skip
    fields = {c["field"]: (c["old"], c["new"]) for c in by_row[3]}
    assert fields["联系电话"] == ("13800000001", "13900000002")
    assert fields["养老保险"] == ("否", "是")
    assert by_row[4] == [{"row": 4, "action": "add", "field": None, "old": None, "new": None}]
    assert sh.ok("roster", "--employer", CODE, "--json").stdout == roster_before
    alias = sh.import_json(path, "--dry-run")
    assert alias["changes"] == summary["changes"]
    plain = sh.ok("import", path, "--employer", CODE, "--preview").stdout
    assert "联系电话: 13800000001 → 13900000002" in plain and "shebao confirm" in plain


def test_confirm_prints_an_import_object_with_the_rows_judged_again(sh):
    path = _returning_person(sh)
    preview = sh.import_json(path, "--preview")
    # Another batch adds person 2 between the preview and the confirmation.
    sh.import_json(sh.file("b.xlsx", xlsx_bytes("person_add", [person(2).add()])))
    confirmed = _confirm(sh, preview["batch"])
    _assert_summary_shape(confirmed)
    assert set(confirmed) == set(sh.import_json(path)) | {"judged_again"}
    assert confirmed["batch"] == preview["batch"]
    assert (confirmed["applied"], confirmed["unchanged"], confirmed["rejected"]) == (1, 1, 1)
    assert confirmed["judged_again"] == [4]
    (warning,) = [e for e in confirmed["errors"] if e["code"] == "judged_again"]
    assert warning["row"] == 4 and warning["severity"] == "warning"
    assert "预览时为「新增」, 现在为「无变化」" in warning["message"]


def test_confirm_refusals(sh):
    path = sh.file("a.xlsx", xlsx_bytes("person_add", [person(0).add()]))
    applied = sh.import_json(path)
    error = _confirm(sh, applied["batch"], expect=1)["error"]
    assert error["code"] == "not_confirmable" and "不是预览批次" in error["message"]
    assert _confirm(sh, 999, expect=1)["error"]["code"] == "batch_not_found"
    preview = sh.import_json(
        sh.file("b.xlsx", xlsx_bytes("person_add", [person(1).add()])), "--preview"
    )
    sh.ok(
        "employer", "create", "--code", "87654321", "--name", "另一家", "--password", "0therPass!"
    )
    foreign = _confirm(sh, preview["batch"], "--employer", "87654321", expect=1)
    assert foreign["error"]["code"] == "batch_not_found"
    ok = _confirm(sh, preview["batch"], "--employer", CODE)
    assert ok["applied"] == 1 and ok["judged_again"] == []
    twice = _confirm(sh, preview["batch"], expect=1)["error"]
    assert twice["code"] == "not_confirmable" and "已经确认申报过了" in twice["message"]
