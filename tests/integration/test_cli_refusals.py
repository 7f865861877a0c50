"""Refusals of every `shebao` module's commands in text mode, on SQLite and PostgreSQL:
a Chinese message after 错误: on standard error and exit 1, never click's English
"Error: …" (`shebao.cli_errors.Refusal`); click's usage errors keep exit 2."""

from __future__ import annotations

import pytest

from tests.integration.test_cli import CODE, Shell

pytestmark = pytest.mark.integration

REFUSED = [
    (("template", "no_such_kind", "-o", "x.xlsx"), "未知的申报类型 no_such_kind"),  # cli
    (("employer", "create", "--code", CODE, "--name", "重复"), "已存在"),  # cli
    (("import", "x.xlsx", "--employer", CODE, "--kind", "nope"), "未知的申报类型 nope"),  # cli_import
    (("confirm", "999999"), "批次 999999 不存在"),  # cli_confirm
    (("retirement", "--gender", "男", "--identity", "工人", "--birth", "1965"), "出生年月「1965」"),  # cli_queries
    (("employer", "change", "--code", CODE), "--field"),  # cli_review
    (("undo", "999999"), "批次不存在"),  # cli_undo
]  # fmt: skip


@pytest.fixture
def sh(db_url, tmp_path) -> Shell:
    shell = Shell(tmp_path, db_url)
    shell.ok("init-db")
    shell.ok("employer", "create", "--code", CODE, "--name", "甲公司", "--password", "Passw0rd!")
    (tmp_path / "x.xlsx").write_bytes(b"")
    return shell


def test_every_refusal_says_cuowu_in_chinese_with_exit_1(sh):
    for args, said in REFUSED:
        args = tuple(str(sh.dir / a) if a == "x.xlsx" else a for a in args)
        result = sh(*args)
        assert result.exit_code == 1, (args, result.output, result.stderr)
        assert result.stderr.startswith("错误: "), (args, result.stderr)
        assert said in result.stderr and "Error" not in result.stderr, (args, result.stderr)
    # A usage error is click's own (an option the command does not have): exit 2.
    assert sh("undo", "1", "--no-such-option").exit_code == 2
