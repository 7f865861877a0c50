"""`shebao template` and `shebao import --json` for the two 工伤 kinds: rows going to
review are counted as "pending_review"."""

from __future__ import annotations

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
