"""The import pipeline for 年度缴费基数申报 (`base_declare`), on SQLite and PostgreSQL:
mixed valid and invalid rows, re-import, a changed figure, the corrections round trip,
the pre-filled template, and the CLI."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from importer.kinds import get_kind, spec_of
from importer.report import corrections_workbook
from registry.models import ContributionBase, Declaration
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import TODAY, Desk, open_xlsx, person, second_employer
from validators.context import RuleContext

pytestmark = pytest.mark.integration

HEADERS = spec_of("base_declare").headers
LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(HEADERS)}


def base_row(p, **cells: object) -> list[object]:
    values: dict[str, object] = {"姓名": p.name, "证件号码": p.id_number, "申报年度": "2027",
                                 "上年度工资总额": "96000", "上年度工作月数": "12", "备注": ""}  # fmt: skip
    values.update(cells)
    return [values[h] for h in HEADERS]


def enrol(desk: Desk, *people) -> None:
    _, outcome = desk.submit(xlsx_bytes("person_add", [p.add(参保年月="202601") for p in people]))
    assert set(outcome.status.values()) == {"applied"}


def declare(desk: Desk, rows, **kw):
    return desk.submit(xlsx_bytes("base_declare", rows), file_name="缴费基数.xlsx", **kw)


def january_bases(desk: Desk, year: str = "2027") -> dict[str, ContributionBase]:
    with desk.uow() as uow:
        from sqlalchemy import select

        found = uow.session.scalars(
            select(ContributionBase).where(ContributionBase.effective_month == f"{year}01")
        )
        return {b.person_id: b for b in found}


def test_mixed_sheet_applies_the_valid_rows_from_january(desk, db_url):
    people = [person(i) for i in range(6)]
    enrol(desk, *people[:4])
    other = second_employer(db_url)
    Desk(db_url, other).submit(xlsx_bytes("person_add", [people[4].add()]))
    rows = [
        base_row(people[0], 上年度工资总额="100000"),  # 8,333.33
        base_row(people[1], 上年度工资总额="24000", 上年度工作月数="6"),  # 4,000 → floor
        base_row(people[2], 申报年度="2025"),
        base_row(people[3], 姓名="错名字"),
        base_row(people[4]),  # insured at another employer only
        base_row(people[5], 上年度工资总额=96000.0, 上年度工作月数=12.0, 申报年度=2026.0),
    ]
    batch_id, outcome = declare(desk, rows)

    assert outcome.status == {3: "applied", 4: "applied", 5: "rejected", 6: "rejected",
                              7: "rejected", 8: "rejected"}  # fmt: skip
    assert desk.errors(batch_id) == {
        (5, "申报年度", "C", "declare_year_window"),
        (6, "姓名", "A", "name_mismatch"),
        (7, "证件号码", "B", "base_not_active_here"),
        (8, "证件号码", "B", "base_not_active_here"),
    }
    held = january_bases(desk)
    assert set(held) == {people[0].id_number, people[1].id_number}
    first, second = held[people[0].id_number], held[people[1].id_number]
    assert (first.declared_wage, first.base, first.clamped) == (
        Decimal("8333.33"), Decimal("8333.33"), False,
    )  # fmt: skip
    # 2027 limits are not published: the latest (2024: 4,812) is used, and the row says so.
    assert (second.declared_wage, second.base, second.clamped) == (
        Decimal("4000.00"), Decimal("4812"), True,
    )  # fmt: skip
    assert first.employer_id == desk.employer_id and first.batch_id == batch_id
    assert desk.warnings(batch_id) == {(4, "上年度工资总额", "D", "base_below_floor")}
    (notice,) = [i for i in desk.issues(batch_id) if i.severity == "warning"]
    assert "月平均工资 4000.00" in notice.message and "4,812.00" in notice.message
    assert "2027 年的标准尚未公布, 暂按 2024 年" in notice.message
    decl = desk.declarations(batch_id)
    assert decl[3].kind == "base_declare" and decl[3].id_number == people[0].id_number
    assert decl[3].natural_key.endswith(f"|base_declare|{people[0].id_number}|2027")
    batch = desk.batch(batch_id)
    assert (batch.kind, batch.applied, batch.rejected) == ("base_declare", 2, 4)


def test_the_same_sheet_again_is_unchanged_and_another_figure_is_refused(desk):
    people = [person(i) for i in range(3)]
    enrol(desk, *people)
    data = xlsx_bytes("base_declare", [base_row(p) for p in people])
    first, outcome = desk.submit(data, file_name="缴费基数.xlsx")
    assert set(outcome.status.values()) == {"applied"}

    again, outcome = desk.submit(data, file_name="缴费基数.xlsx")
    assert set(outcome.status.values()) == {"unchanged"}
    assert desk.batch(again).unchanged == 3 and desk.errors(again) == set()
    # The same figures typed again in a new sheet (months left to the default) as well.
    same, outcome = declare(desk, [base_row(people[0], 上年度工作月数="")])
    assert outcome.status == {3: "unchanged"}

    changed, outcome = declare(desk, [base_row(people[1], 上年度工资总额="120000")])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(changed) == {(3, "上年度工资总额", "D", "base_already_declared")}
    (issue,) = desk.issues(changed)
    assert "8,000.00" in issue.message and "10,000.00" in issue.message
    assert len(january_bases(desk)) == 3
    assert january_bases(desk)[people[1].id_number].declared_wage == Decimal("8000.00")
    with desk.uow() as uow:
        from sqlalchemy import func, select

        applied = uow.session.scalar(
            select(func.count())
            .select_from(Declaration)
            .where(Declaration.kind == "base_declare", Declaration.status == "applied")
        )
    assert applied == 3


def test_this_year_and_next_year_are_separate_declarations(desk):
    p = person(0)
    _, outcome = desk.submit(xlsx_bytes("person_add", [p.add(参保年月="202512")]))
    assert outcome.status == {3: "applied"}
    declare(desk, [base_row(p, 申报年度="2026")])
    _, outcome = declare(desk, [base_row(p, 申报年度="2027", 上年度工资总额="99000")])
    assert outcome.status == {3: "applied"}
    held = {b.effective_month: (b.declared_wage, b.base) for b in desk.bases(p.id_number)}
    assert held == {
        "202512": (Decimal("6500"), Decimal("6500")),  # 人员增加's first month
        "202601": (Decimal("8000.00"), Decimal("8000.00")),
        "202701": (Decimal("8250.00"), Decimal("8250.00")),  # 2026's left as it was
    }


def test_a_person_hired_this_year_has_this_years_base_already(desk):
    p = person(0)
    enrol(desk, p)  # from 202601
    batch_id, outcome = declare(desk, [base_row(p, 申报年度="2026")])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {(3, "申报年度", "C", "base_new_hire")}
    (issue,) = desk.issues(batch_id)
    assert "2026年1月" in issue.message and "下一年度" in issue.message
    _, outcome = declare(desk, [base_row(p, 申报年度="2027")])
    assert outcome.status == {3: "applied"}


def test_corrections_round_trip(desk):
    people = [person(i) for i in range(3)]
    enrol(desk, *people)
    rows = [base_row(people[0]), base_row(people[1], 上年度工作月数="13"),
            base_row(people[2], 上年度工资总额="九万")]  # fmt: skip
    batch_id, outcome = declare(desk, rows)
    assert outcome.status == {3: "applied", 4: "rejected", 5: "rejected"}

    wb = open_xlsx(corrections_workbook(desk.uow(), batch_id))
    ws = wb.worksheets[0]
    assert ws.title == "年度缴费基数申报"
    assert [ws.cell(3, c).value for c in (1, 2, 5)] == [people[1].name, people[1].id_number, "13"]
    ws.cell(3, HEADERS.index("上年度工作月数") + 1).value = "11"
    ws.cell(4, HEADERS.index("上年度工资总额") + 1).value = "90000"
    buf = io.BytesIO()
    wb.save(buf)
    again, outcome = desk.submit(buf.getvalue(), "基数更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "applied", 4: "applied"}, desk.errors(again)
    held = january_bases(desk)
    assert held[people[1].id_number].declared_wage == Decimal("8727.27")  # 96000 / 11
    assert held[people[2].id_number].declared_wage == Decimal("7500.00")

    _, outcome = desk.submit(buf.getvalue(), "基数更正.xlsx", resubmit_of=batch_id)
    assert set(outcome.status.values()) == {"unchanged"}


def test_prefilled_rows_are_the_active_persons_for_the_coming_year(desk):
    people = [person(i) for i in range(3)]
    enrol(desk, *people)
    desk.submit(xlsx_bytes("person_remove", [people[2].remove()]), file_name="减员.xlsx")
    kind = get_kind("base_declare")
    assert kind.prefill is not None
    with desk.uow() as uow:
        rows = kind.prefill(uow.session, desk.employer_id, RuleContext(today=TODAY))
    assert sorted(rows) == sorted([[p.name, p.id_number, "2027", "", "", ""] for p in people[:2]])
    # Filled in and uploaded, the row passes; one left untouched is skipped, and one
    # sheet-level 提示 counts it, so the clerk sees who was not declared.
    rows[0][3] = "84000"
    batch_id, outcome = declare(desk, rows)
    assert sorted(outcome.status.values()) == ["applied"]
    notices = [i for i in desk.issues(batch_id) if i.code == "untouched_prefilled"]
    assert len(notices) == 1 and "1 行" in notices[0].message


def test_template_and_import_from_the_cli(tmp_path):
    from tests.integration.test_cli import Shell

    sh = Shell(tmp_path)
    sh.ok("init-db")
    sh.ok("employer", "create", "--code", "12345678", "--name", "上虞示例制造有限公司",
          "--password", "Passw0rd!")  # fmt: skip
    people = [person(0), person(1)]
    added = xlsx_bytes("person_add", [p.add(参保年月="202601") for p in people])
    assert sh.import_json(sh.file("add.xlsx", added))["applied"] == 2

    out = tmp_path / "base.xlsx"
    sh.ok("template", "base_declare", "-o", str(out))
    wb = open_xlsx(out.read_bytes())
    assert wb.worksheets[0].title == "年度缴费基数申报"
    for r, values in enumerate([base_row(people[0]), base_row(people[1], 上年度工作月数="14")], 3):
        for c, value in enumerate(values, 1):
            wb.worksheets[0].cell(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    summary = sh.import_json(sh.file("base.xlsx", buf.getvalue()), "--kind", "base_declare")
    assert (summary["kind"], summary["applied"], summary["rejected"]) == ("base_declare", 1, 1)
    (error,) = [e for e in summary["errors"] if e["severity"] == "error"]
    assert (error["row"], error["letter"], error["code"]) == (4, "E", "months_format")
