"""The review desk's command line as a contract: `employer change|show`, `review
list|decide`, `declarations`, and `import` counting rows sent to review, on SQLite and
on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests.builders import xlsx_bytes
from tests.integration.test_cli import CODE, Shell

pytestmark = pytest.mark.integration

LIST_KEYS = {"id", "kind", "employer", "id_number", "name", "state", "submitted_at", "data"}


@pytest.fixture
def sh(db_url, tmp_path) -> Shell:
    shell = Shell(tmp_path, db_url)
    shell.ok("init-db")
    shell.ok("employer", "create", "--code", CODE, "--name", "甲公司", "--password", "Passw0rd!")
    return shell


def as_json(result):
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_change_review_and_show(sh):
    changed = as_json(sh.ok("employer", "change", "--code", CODE, "--field", "联系人=李红",
                            "--field", "行业风险类别=4", "--json"))  # fmt: skip
    assert (changed["state"], changed["pending_review"], changed["rejected"]) == (
        "pending_review",
        1,
        0,
    )

    queue = as_json(sh.ok("review", "list", "--employer", CODE, "--json"))
    assert [set(r) >= LIST_KEYS for r in queue] == [True]
    (item,) = queue
    assert (item["id"], item["kind"], item["employer"], item["state"]) == (
        changed["declaration"], "employer_change", CODE, "pending_review",
    )  # fmt: skip
    assert item["data"]["联系人"] == "李红" and item["id_number"] is None
    assert as_json(sh.ok("review", "list", "--kind", "person_add", "--json")) == []

    decided = as_json(sh.ok("review", "decide", str(item["id"]), "--approve", "--json"))
    assert decided["state"] == "approved" and decided["changed"] == ["联系人", "行业风险类别"]
    shown = as_json(sh.ok("employer", "show", "--code", CODE, "--json"))
    assert shown["fields"]["联系人"] == "李红" and shown["fields"]["行业风险类别"] == "4"
    assert shown["history"][0]["changes"][0] == {"field": "联系人", "old": "", "new": "李红"}
    assert as_json(sh.ok("review", "list", "--json")) == []


def test_reject_needs_a_reason_and_comes_back_in_declarations(sh):
    changed = as_json(
        sh.ok("employer", "change", "--code", CODE, "--field", "单位名称=乙公司", "--json")
    )
    number = str(changed["declaration"])
    refused = sh("review", "decide", number, "--reject", "--json")
    assert refused.exit_code == 1 and as_json(refused)["error"]["code"] == "reason_required"
    decided = as_json(
        sh.ok("review", "decide", number, "--reject", "--reason", "名称与执照不符", "--json")
    )
    assert (decided["state"], decided["reason"]) == ("rejected", "名称与执照不符")
    again = sh("review", "decide", number, "--approve", "--json")
    assert again.exit_code == 1 and as_json(again)["error"]["code"] == "already_decided"
    listed = as_json(sh.ok("declarations", "--employer", CODE, "--state", "rejected", "--json"))
    assert [(d["id"], d["reason"]) for d in listed] == [(int(number), "名称与执照不符")]
    assert (
        as_json(sh.ok("declarations", "--employer", CODE, "--kind", "person_add", "--json")) == []
    )


def test_bad_fields_and_unknown_employer(sh):
    bad = sh("employer", "change", "--code", CODE, "--field", "颜色=红", "--json")
    assert bad.exit_code == 1 and as_json(bad)["error"]["code"] == "bad_field"
    unknown = sh("employer", "show", "--code", "99999999", "--json")
    assert unknown.exit_code == 1 and as_json(unknown)["error"]["code"] == "unknown_employer"
    wrong = as_json(sh.ok("employer", "change", "--code", CODE, "--field",
                          "统一社会信用代码=91330604MA2JT1XX01", "--json"))  # fmt: skip
    assert wrong["state"] == "rejected"
    assert [e["code"] for e in wrong["errors"]] == ["credit_code_checksum"]


def test_import_counts_rows_sent_to_review(sh):
    headers = xlsx_bytes("employer_change", [["", "", "", "", "王芳", "", "", "", ""]])
    summary = sh.import_json(sh.file("变更.xlsx", headers))
    assert (summary["pending_review"], summary["applied"]) == (1, 0)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("review", "list", "--kind", "person_ad"), "unknown_kind"),
        (("review", "list", "--state", "applied"), "unknown_state"),
        (("declarations", "--employer", CODE, "--kind", "injury"), "unknown_kind"),
        (("declarations", "--employer", CODE, "--state", "pending"), "unknown_state"),
    ],
)
def test_an_unknown_kind_or_state_is_a_json_error_not_an_empty_list(sh, args, code):
    result = sh(*args, "--json")
    assert result.exit_code == 1
    error = as_json(result)["error"]
    assert error["code"] == code and "可选" in error["message"]


def test_approve_and_reject_together_or_neither_are_refused(sh):
    changed = as_json(
        sh.ok("employer", "change", "--code", CODE, "--field", "联系人=王芳", "--json")
    )
    number = str(changed["declaration"])
    # With click's --approve/--reject pair the last one won: this quietly rejected.
    both = sh("review", "decide", number, "--approve", "--reject", "--reason", "不符", "--json")
    assert both.exit_code == 1
    error = as_json(both)["error"]
    assert error["code"] == "bad_option"
    assert (
        error["message"] == "--approve(批准)和 --reject(退回)只能选一个, 请去掉其中一个后再执行。"
    )
    text = sh("review", "decide", number, "--reject", "--approve", "--reason", "不符")
    assert text.exit_code == 1 and "只能选一个" in text.output
    neither = sh("review", "decide", number, "--json")
    assert neither.exit_code == 1 and "请用 --approve(批准)或 --reject(退回)" in neither.output
    (still,) = as_json(sh.ok("review", "list", "--json"))
    assert (still["id"], still["state"]) == (int(number), "pending_review")
