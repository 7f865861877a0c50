"""Sheets from other systems: payroll and outsourcers' headers are found, mapped (each
mapping named once), unused columns ignored, missing required columns named, and 性别 /
出生日期 taken from the ID number when the sheet has no such columns."""

from __future__ import annotations

import pytest

from importer.headers import map_headers
from importer.kinds import spec_of
from registry.header_maps import remember
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import make_id

pytestmark = pytest.mark.integration

PAYROLL = [
    "序号", "雇员姓名", "身份证号码", "部门", "户口性质", "个人身份", "用工形式", "增加原因",
    "起缴月份", "申报工资", "养老保险", "医疗保险", "失业保险", "工伤保险", "手机号", "实发工资",
]  # fmt: skip


def payroll_row(n: int, **cells) -> list[object]:
    row = dict(zip(PAYROLL, [
        n, "张伟", make_id("19900315", f"{11 + 2 * n:03d}"), "车间", "城镇", "工人", "劳动合同制",
        "新参保", "202611", "6500", "是", "是", "是", "是", "13812345678", "6123.45",
    ], strict=True))  # fmt: skip
    row.update(cells)
    return list(row.values())


def test_known_names_map_and_ambiguous_ones_do_not():
    mapping = map_headers(spec_of("person_add"), PAYROLL + ["工资"])
    mapped = {PAYROLL[i] if i < len(PAYROLL) else "工资": h for i, h in mapping.columns.items()}
    assert mapped["身份证号码"] == "证件号码" and mapped["申报工资"] == "月缴费工资"
    assert mapped["起缴月份"] == "参保年月" and mapped["手机号"] == "联系电话"
    assert "实发工资" not in mapped and "工资" not in mapped and "序号" not in mapped
    assert mapping.from_id == ["性别", "出生日期"]


def test_a_payroll_export_is_imported_with_one_notice_per_mapping(desk):
    rows = [payroll_row(0), payroll_row(1, 身份证号码="330682199003150099")]
    batch_id, _ = desk.submit(xlsx_bytes("person_add", rows, headers=PAYROLL, marker=False))
    batch = desk.batch(batch_id)
    assert (batch.status, batch.applied, batch.rejected) == ("done", 1, 1)
    issues = desk.issues(batch_id)
    mapped = [i.message for i in issues if i.code == "header_mapped"]
    assert len(mapped) == 5 and any("「身份证号码」系统识别为「证件号码」" in m for m in mapped)
    derived = {i.column for i in issues if i.code == "derived_from_id"}
    assert derived == {"性别", "出生日期"}
    person = desk.person(make_id("19900315", "011"))
    assert (person.gender, str(person.birth_date)) == ("男", "1990-03-15")
    # The bad ID's row names the ID column by the letter the clerk sees (C).
    bad = [i for i in issues if i.excel_row == 4 and i.severity == "error"]
    assert bad and all(i.letter == "C" for i in bad if i.column == "证件号码")


def test_a_missing_required_column_is_named_with_the_headers_to_map(desk):
    headers = [h if h != "申报工资" else "实发基数" for h in PAYROLL]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [payroll_row(0)], headers=headers))
    batch = desk.batch(batch_id)
    assert batch.error_code == "missing_columns" and "月缴费工资" in batch.error_message
    assert batch.error_detail["missing"] == ["月缴费工资"]
    assert "实发基数" in batch.error_detail["headers"]


def test_a_mapping_made_once_is_remembered_for_the_employer(desk):
    headers = [h if h != "申报工资" else "实发基数" for h in PAYROLL]
    with desk.uow() as uow:
        remember(uow.session, desk.employer_id, "person_add", {"实发基数": "月缴费工资"}, "t")
        uow.commit()
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [payroll_row(0)], headers=headers))
    assert desk.batch(batch_id).applied == 1
    notes = [i.message for i in desk.issues(batch_id) if i.code == "header_mapped"]
    assert any("「实发基数」按本单位上次的对应「月缴费工资」" in m for m in notes)
