"""`shebao template` and `shebao import --json` for the two 工伤 kinds: rows going to
review are counted as "pending_review"."""

from __future__ import annotations

import json

import pytest

from tests.builders import xlsx_bytes
from tests.integration.injury_support import appraisal_row, report_row
from tests.integration.test_cli import sh  # noqa: F401  (fixture)
from tests.integration.test_pipeline_support import open_xlsx, person

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("kind", "title"), [("injury_report", "工伤事故申报"), ("injury_appraisal", "工伤鉴定")]
)
def test_template_command(sh, kind, title):  # noqa: F811
    out = sh.dir / f"{kind}.xlsx"
    sh.ok("template", kind, "-o", str(out))
    wb = open_xlsx(out.read_bytes())
    assert wb.worksheets[0].title == title and wb["_shebao"]["B1"].value == kind


def test_import_counts_rows_sent_to_review(sh):  # noqa: F811
    a, b = person(0), person(1)
    added = sh.import_json(sh.file("add.xlsx", xlsx_bytes("person_add", [a.add(), b.add()])))
    assert added["applied"] == 2 and added["pending_review"] == 0
    sheet = xlsx_bytes("injury_report", [report_row(a), report_row(b, 受伤部位="")])
    path = sh.file("工伤.xlsx", sheet)
    summary = sh.import_json(path, "--kind", "injury_report")
    assert (summary["kind"], summary["pending_review"], summary["rejected"]) == (
        "injury_report", 1, 1
    )  # fmt: skip
    assert [(e["row"], e["column"], e["code"]) for e in summary["errors"]] == [
        (4, "受伤部位", "required")
    ]
    text = sh("import", path, "--employer", "12345678")
    assert "待审核 0" in text.output and "无变化 1" in text.output

    wrong = sh.file("鉴定.xlsx", xlsx_bytes("injury_appraisal", [appraisal_row(a, "GS202600001")]))
    result = sh("import", wrong, "--employer", "12345678", "--json")
    assert '"injury_unknown"' in result.output and '"pending_review": 0' in result.output


def _json(result) -> object:
    return json.loads(result.stdout.strip().splitlines()[-1])


LIST_KEYS = {"id", "kind", "employer", "id_number", "name", "state", "submitted_at", "data"}


def test_review_decide_records_the_outcome_number_and_conclusion(sh):  # noqa: F811
    a, b = person(0), person(1)
    sh.import_json(sh.file("add.xlsx", xlsx_bytes("person_add", [a.add(), b.add()])))
    rows = [report_row(a), report_row(b)]
    sh.import_json(sh.file("工伤.xlsx", xlsx_bytes("injury_report", rows)))
    queue = _json(sh.ok("review", "list", "--kind", "injury_report", "--json"))
    assert [set(i) >= LIST_KEYS for i in queue] == [True, True]
    first = next(i for i in queue if i["name"] == a.name)
    assert first["id_number"] != a.id_number  # masked in lists
    refused = sh("review", "decide", str(first["id"]), "--approve", "--json")
    assert refused.exit_code == 1
    # In Chinese, naming what --outcome may be on an approval.
    assert _json(refused)["error"]["message"] == (
        "批准工伤认定须选择认定结论「认定工伤」或「视同工伤」, 现在是「未选择」。"
        "不予认定的, 请选择退回并写明理由。"
    )
    decided = _json(sh.ok("review", "decide", str(first["id"]), "--approve",
                          "--outcome", "视同工伤", "--json"))  # fmt: skip
    assert (decided["state"], decided["outcome"]) == ("approved", "视同工伤")
    year = sh.env["SHEBAO_TODAY"][:4]
    number = f"GS{year}00001"
    assert decided["injury_no"] == number and decided["id_number"] == a.id_number
    # Without --json the number is printed too: the clerk's 工伤鉴定 needs it.
    other = next(i for i in queue if i["name"] == b.name)
    text = sh.ok("review", "decide", str(other["id"]), "--approve", "--outcome", "认定工伤")
    assert f"工伤认定编号 GS{year}00002" in text.output

    sheet = xlsx_bytes("injury_appraisal", [appraisal_row(a, number)])
    assert sh.import_json(sh.file("鉴定.xlsx", sheet))["pending_review"] == 1
    (application,) = _json(sh.ok("review", "list", "--kind", "injury_appraisal", "--json"))
    concluded = _json(sh.ok("review", "decide", str(application["id"]), "--approve",
                            "--grade", "五级", "--self-care", "生活部分不能自理", "--json"))  # fmt: skip
    assert (concluded["state"], concluded["grade"], concluded["self_care"]) == (
        "approved", "五级", "生活部分不能自理"
    )  # fmt: skip
    assert concluded["concluded_at"] == sh.env["SHEBAO_TODAY"]
