"""Sheets wrong on every row (issue 9, section 1): one error per contradiction of the
whole row, and reports that stay cheap when every row is marked."""

from __future__ import annotations

import pytest

from importer import report
from importer.report import corrections_workbook, error_report
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import (
    ADD_LETTERS,
    Desk,
    open_xlsx,
    person,
    second_employer,
)
from tests.integration.test_reports import is_red
from validators.specs import ERROR_NOTE_COLUMN

pytestmark = pytest.mark.integration


def test_insured_elsewhere_is_one_error_per_row_naming_the_insurances(desk, db_url):
    other = second_employer(db_url)
    people = [person(i) for i in range(3)]
    Desk(db_url, other).submit(xlsx_bytes("person_add", [p.add() for p in people]))
    rows = [
        people[0].add(),
        people[1].add(养老保险="否"),
        people[2].add(养老保险="否", 医疗保险="否"),
    ]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))

    assert set(outcome.status.values()) == {"rejected"}
    errors = [i for i in desk.issues(batch_id) if i.severity == "error"]
    assert [(i.excel_row, i.column, i.letter, i.code) for i in errors] == [
        (3, "养老保险", ADD_LETTERS["养老保险"], "active_elsewhere"),
        (4, "医疗保险", ADD_LETTERS["医疗保险"], "active_elsewhere"),
        (5, "失业保险", ADD_LETTERS["失业保险"], "active_elsewhere"),
    ]
    first = errors[0].message
    for insurance in ("企业职工基本养老保险", "职工基本医疗保险", "失业保险", "工伤保险"):
        assert insurance in first
    assert "绍兴另一家纺织有限公司" in first and "养老保险、医疗保险、失业保险、工伤保险" in first
    assert "养老保险" not in errors[1].message.split("正在")[0]
    assert "失业保险、工伤保险改为「否」" in errors[2].message


def test_insurances_held_at_two_employers_are_named_each_with_its_own(desk, db_url):
    first, second = second_employer(db_url), second_employer(db_url, "11223344", "诸暨某建材公司")
    p = person(0)
    only = {"养老保险": "否", "医疗保险": "否", "失业保险": "否", "工伤保险": "否"}
    Desk(db_url, first).submit(xlsx_bytes("person_add", [p.add(**{**only, "养老保险": "是"})]))
    Desk(db_url, second).submit(xlsx_bytes("person_add", [p.add(**{**only, "医疗保险": "是"})]))
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [p.add(失业保险="否", 工伤保险="否")]))
    (error,) = [i for i in desk.issues(batch_id) if i.severity == "error"]
    assert "养老保险在绍兴另一家纺织有限公司" in error.message
    assert "医疗保险在诸暨某建材公司" in error.message


def test_reports_of_a_sheet_wrong_on_every_row_comment_only_the_first_rows(desk, monkeypatch):
    monkeypatch.setattr(report, "COMMENTED_ROWS", 2)
    rows = [person(i).add(证件号码=float(person(i).id_number)) for i in range(4)]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"rejected"}
    id_col = ord(ADD_LETTERS["证件号码"]) - ord("A") + 1

    ws = open_xlsx(error_report(desk.uow(), batch_id)).worksheets[0]
    note_col = [c.value for c in ws[2]].index(ERROR_NOTE_COLUMN) + 1
    for r in (3, 4, 5, 6):
        assert is_red(ws.cell(r, id_col)), r
        assert "Excel 转成了数字" in ws.cell(r, note_col).value
    assert [ws.cell(r, id_col).comment is not None for r in (3, 4, 5, 6)] == [
        True, True, False, False,
    ]  # fmt: skip

    cws = open_xlsx(corrections_workbook(desk.uow(), batch_id)).worksheets[0]
    assert [is_red(cws.cell(r, id_col)) for r in (3, 4, 5, 6)] == [True] * 4
    assert [cws.cell(r, id_col).comment is not None for r in (3, 4, 5, 6)] == [
        True, True, False, False,
    ]  # fmt: skip
    assert all("Excel 转成了数字" in cws.cell(r, 20).value for r in (3, 4, 5, 6))
