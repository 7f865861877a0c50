"""`shebao undo BATCH --json` as a contract, on SQLite and PostgreSQL: the result shape,
the same result again for a batch undone already, refusals in Chinese with exit 1."""

from __future__ import annotations

import json

import pytest

from registry.assess import assess_month
from registry.uow import UnitOfWork
from tests.builders import xlsx_bytes
from tests.integration.test_cli import CODE, Shell
from tests.integration.test_pipeline_support import person

pytestmark = pytest.mark.integration


@pytest.fixture
def sh(db_url, tmp_path) -> Shell:
    shell = Shell(tmp_path, db_url)
    shell.ok("init-db")
    shell.ok("employer", "create", "--code", CODE, "--name", "甲公司", "--password", "Passw0rd!")
    shell.ok(
        "employer", "create", "--code", "87654321", "--name", "乙公司", "--password", "Passw0rd!"
    )
    return shell


def _last_json(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def _imported(sh: Shell, *people) -> int:
    path = sh.file("add.xlsx", xlsx_bytes("person_add", [p.add() for p in people]))
    return sh.import_json(path)["batch"]


def test_undo_prints_the_result_and_the_same_again(sh):
    batch = _imported(sh, person(1), person(2))
    first = _last_json(sh.ok("undo", str(batch), "--employer", CODE, "--json"))
    assert first == {"reverted": 2, "kept": []}
    assert _last_json(sh.ok("undo", str(batch), "--json")) == first
    again = sh.import_json(sh.file("add.xlsx", xlsx_bytes("person_add", [person(1).add()])))
    assert again["applied"] == 1 and again["unchanged"] == 0


def test_refusals_are_chinese_with_exit_1(sh):
    batch = _imported(sh, person(3))
    foreign = sh("undo", str(batch), "--employer", "87654321", "--json")
    assert foreign.exit_code == 1
    assert _last_json(foreign)["error"]["code"] == "batch_not_found"
    with UnitOfWork.for_url(sh.env["DATABASE_URL"]) as uow:
        assess_month(uow.session, "202611")
        uow.commit()
    closed = sh("undo", str(batch), "--json")
    assert closed.exit_code == 1
    error = _last_json(closed)["error"]
    assert error["code"] == "undo_window_closed" and "月度核定" in error["message"]
    plain = sh("undo", str(batch))
    assert plain.exit_code == 1 and "不能再撤销" in plain.stderr
    sh.env["SHEBAO_UNDO_WINDOW"] = "always"
    assert _last_json(sh.ok("undo", str(batch), "--json"))["reverted"] == 1
    dry = sh.import_json(
        sh.file("d.xlsx", xlsx_bytes("person_add", [person(4).add()])), "--dry-run"
    )
    nothing = sh("undo", str(dry["batch"]), "--json")
    assert nothing.exit_code == 1 and "无需撤销" in _last_json(nothing)["error"]["message"]


def test_the_text_says_how_many_pending_declarations_were_withdrawn(sh):
    from importer.kinds import get_kind

    headers = get_kind("employer_change").spec.headers
    cells = {"单位地址": "绍兴市上虞区百官街道市民大道88号", "联系人": "李红"}
    path = sh.file(
        "单位信息变更.xlsx", xlsx_bytes("employer_change", [[cells.get(h, "") for h in headers]])
    )
    batch = sh.import_json(path)
    assert batch["pending_review"] == 1
    plain = sh.ok("undo", str(batch["batch"])).stdout
    assert "恢复 0 行, 保留 0 行, 撤回待审核的申报 1 条。" in plain
    # The JSON keeps its contract: {"reverted", "kept"}.
    assert _last_json(sh.ok("undo", str(batch["batch"]), "--json")) == {"reverted": 0, "kept": []}


def test_an_undo_that_would_keep_every_row_is_refused_with_exit_1(sh):
    a = person(5)
    batch = _imported(sh, a)
    removed = sh.file("remove.xlsx", xlsx_bytes("person_remove", [a.remove()]))
    assert sh.import_json(removed, "--kind", "person_remove")["applied"] == 1
    refused = sh("undo", str(batch), "--json")
    assert refused.exit_code == 1
    error = _last_json(refused)["error"]
    assert error["code"] == "nothing_to_undo"
    assert error["message"].startswith("本批次的行都已被后来的申报或审核改变, 没有可以撤销的")
    assert "1 行都要保留" in error["message"]
    plain = sh("undo", str(batch))
    assert plain.exit_code == 1 and "没有可以撤销的" in plain.stderr
