"""The import pipeline end to end for 人员增加, on SQLite and on PostgreSQL.

Every test uploads a workbook built here, runs `run_batch` with a fixed "today"
(2026-11-29: next month 202612, back-dating limit 202511) and checks what the employer
sees (statuses, errors by Excel row/column/code) and what the registry holds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.models import ContributionBase, Declaration, Enrolment, Person
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import (
    ADD_LETTERS,
    Desk,
    add_row,
    id_ending_in_x,
    make_id,
    person,
    second_employer,
)

pytestmark = pytest.mark.integration


def err(row: int, column: str, code: str) -> tuple:
    return (row, column, ADD_LETTERS[column], code)


# ------------------------------------------------------------------ a clean sheet


def test_clean_sheet_applies_every_row_with_enrolments_bases_and_persons(desk):
    people = [person(i) for i in range(4)]
    rows = [
        people[0].add(),
        people[1].add(月缴费工资="3000"),  # below the floor
        people[2].add(月缴费工资="30000"),  # above the cap
        people[3].add(失业保险="否", 工伤保险="否", 月缴费工资="8888.88"),
    ]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))

    assert outcome.rejected_file is None
    assert outcome.status == {3: "applied", 4: "applied", 5: "applied", 6: "applied"}
    batch = desk.batch(batch_id)
    assert (batch.status, batch.kind, batch.rows) == ("done", "person_add", 4)
    assert (batch.applied, batch.rejected, batch.unchanged) == (4, 0, 0)
    assert desk.errors(batch_id) == set()

    # One enrolment per insurance marked 是: 4 + 4 + 4 + 2.
    assert desk.count(Enrolment) == 14
    codes = {e.insurance for e in desk.enrolments(people[3].id_number)}
    assert codes == {"110", "310"}
    for e in desk.enrolments():
        assert (e.employer_id, e.start_month, e.status, e.end_month) == (
            desk.employer_id,
            "202611",
            "active",
            None,
        )
        assert e.start_reason == "新参保" and e.employment_form == "劳动合同制"
        assert e.batch_id == batch_id

    stored = desk.person(people[1].id_number)
    assert stored.name == people[1].name and stored.gender == "男"
    assert stored.birth_date == dt.date.fromisoformat(people[1].birth)
    assert (stored.hukou, stored.identity, stored.phone) == ("城镇", "工人", "13812345678")
    assert stored.work_start_date == dt.date(2012, 7, 1)
    assert desk.count(Person) == 4


def test_bases_are_clamped_to_floor_and_cap_with_a_warning(desk):
    low, high, normal = person(0), person(1), person(2)
    rows = [low.add(月缴费工资="3000"), high.add(月缴费工资="30000"), normal.add()]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"applied"}

    (b_low,) = desk.bases(low.id_number)
    (b_high,) = desk.bases(high.id_number)
    (b_ok,) = desk.bases(normal.id_number)
    # No 2026 figures are published: the latest ones (2024: 4812 / 24930) are used.
    assert (b_low.declared_wage, b_low.base, b_low.clamped) == (
        Decimal("3000"),
        Decimal("4812"),
        True,
    )
    assert (b_high.declared_wage, b_high.base, b_high.clamped) == (
        Decimal("30000"),
        Decimal("24930"),
        True,
    )
    assert (b_ok.base, b_ok.clamped) == (Decimal("6500"), False)
    assert b_low.effective_month == "202611" and b_low.employer_id == desk.employer_id

    warnings = desk.warnings(batch_id)
    assert err(3, "月缴费工资", "base_below_floor") in warnings
    assert err(4, "月缴费工资", "base_above_cap") in warnings
    assert not any(w[0] == 5 for w in warnings)
    messages = {i.code: i.message for i in desk.issues(batch_id)}
    assert "4,812.00" in messages["base_below_floor"]
    assert "24,930.00" in messages["base_above_cap"]
    # 2026 figures are not entered: only the clamped rows say so (the operator is told
    # on the reviewer's home page, at `shebao serve` and in `shebao policy show`).
    assert not [i for i in desk.issues(batch_id) if i.code == "base_limits_outdated"]
    assert "2026 年的标准尚未公布, 暂按 2024 年" in messages["base_below_floor"]
    decl = desk.declarations(batch_id)
    assert decl[3].warnings and decl[3].warnings[0]["code"] == "base_below_floor"
    assert decl[5].warnings is None
    assert desk.batch(batch_id).warnings >= 2


def test_the_same_file_twice_is_all_unchanged_and_writes_nothing(desk):
    rows = [person(i).add() for i in range(5)]
    data = xlsx_bytes("person_add", rows)
    first, _ = desk.submit(data)
    counts = (desk.count(Enrolment), desk.count(ContributionBase), desk.count(Person))
    assert counts == (20, 5, 5)

    second, outcome = desk.submit(data)
    assert set(outcome.status.values()) == {"unchanged"}
    batch = desk.batch(second)
    assert (batch.applied, batch.rejected, batch.unchanged) == (0, 0, 5)
    assert (desk.count(Enrolment), desk.count(ContributionBase), desk.count(Person)) == counts
    assert {d.status for d in desk.declarations(second).values()} == {"unchanged"}
    assert desk.errors(second) == set()
    # A third time, the same.
    third, outcome = desk.submit(data)
    assert set(outcome.status.values()) == {"unchanged"}
    assert desk.count(Enrolment) == 20
    # Only the first batch's declarations hold the applied keys.
    with desk.uow() as uow:
        from sqlalchemy import select

        applied = uow.session.scalars(
            select(Declaration.batch_id).where(Declaration.status == "applied")
        ).all()
    assert set(applied) == {first} and len(applied) == 5


# ------------------------------------------------------------------ defects


def test_mixed_defects_reject_exactly_the_bad_rows_and_apply_the_rest(desk):
    good1, good2, good3 = person(0), person(1), person(2)
    dup = person(3)
    bad_check = person(6).id_number
    wrong_check = bad_check[:17] + ("0" if bad_check[17] != "0" else "1")
    young = person(4, birth="20120101")
    old_man = person(5, birth="19600101")
    rows = [
        good1.add(),  # 3
        person(6).add(证件号码=wrong_check),  # 4 checksum
        person(7).add(性别="女"),  # 5 gender against ID
        good2.add(),  # 6
        person(8).add(联系电话="1381234"),  # 7 phone
        person(9).add(姓名=""),  # 8 missing name
        person(10).add(参保年月="202701"),  # 9 later than next month
        person(11).add(养老保险="否", 医疗保险="否", 失业保险="否", 工伤保险="否"),  # 10
        person(12).add(月缴费工资="abc"),  # 11
        dup.add(),  # 12 duplicate of 13
        dup.add(),  # 13
        young.add(),  # 14 fourteen years old in 2026-11
        person(13).add(出生日期="1991-02-02"),  # 15 birth date against ID
        person(14).add(户口性质="城市"),  # 16 not in the list
        person(15).add(姓名="张3"),  # 17 digit in a name
        old_man.add(),  # 18 pension and unemployment at 66
        person(16).add(参保年月="202410"),  # 19 more than 12 months back
        good3.add(备注="新招用"),  # 20
    ]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))

    expected = {
        err(4, "证件号码", "id_checksum"),
        err(5, "性别", "gender_mismatch"),
        err(7, "联系电话", "phone_format"),
        err(8, "姓名", "required"),
        err(9, "参保年月", "month_too_late"),
        err(10, "养老保险", "no_insurance"),
        err(11, "月缴费工资", "money_format"),
        err(12, "证件号码", "duplicate_in_sheet"),
        err(13, "证件号码", "duplicate_in_sheet"),
        err(14, "参保年月", "too_young"),
        err(15, "出生日期", "birth_mismatch"),
        err(16, "户口性质", "not_in_list"),
        err(17, "姓名", "person_name"),
        err(18, "养老保险", "pension_past_retirement"),
        err(18, "失业保险", "unemployment_past_retirement"),
        err(19, "参保年月", "month_too_early"),
    }
    assert desk.errors(batch_id) == expected
    applied = {3, 6, 20}
    assert {r for r, s in outcome.status.items() if s == "applied"} == applied
    assert {r for r, s in outcome.status.items() if s == "rejected"} == set(range(4, 20)) - {6}
    batch = desk.batch(batch_id)
    assert (batch.rows, batch.applied, batch.rejected, batch.unchanged) == (18, 3, 15, 0)

    # Rejected rows write nothing: only the three good persons exist.
    assert desk.count(Person) == 3
    assert {e.person_id for e in desk.enrolments()} == {
        good1.id_number,
        good2.id_number,
        good3.id_number,
    }
    decl = desk.declarations(batch_id)
    assert len(decl) == 18
    assert decl[4].status == "rejected" and decl[4].errors[0]["code"] == "id_checksum"
    assert decl[20].status == "applied" and decl[20].payload["备注"] == "新招用"

    issues = {(i.excel_row, i.code): i for i in desk.issues(batch_id)}
    checksum = issues[(4, "id_checksum")]
    assert checksum.value == wrong_check
    assert f"应为 {bad_check[17]}" in checksum.message
    assert "第 12、13 行" in issues[(12, "duplicate_in_sheet")].message
    assert "2026年12月" in issues[(9, "month_too_late")].message
    for issue in issues.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in issue.message)


def test_several_errors_on_one_row_are_all_reported(desk):
    row = person(0).add(性别="未知", 联系电话="abc", 月缴费工资="-5", 增加原因="")
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [row]))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {
        err(3, "性别", "not_in_list"),
        err(3, "联系电话", "phone_format"),
        err(3, "月缴费工资", "money_format"),
        err(3, "增加原因", "required"),
    }


def test_all_or_nothing_with_one_bad_row_applies_nothing(desk):
    rows = [person(0).add(), person(1).add(联系电话="12"), person(2).add()]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows), all_or_nothing=True)

    assert outcome.status == {3: "rejected", 4: "rejected", 5: "rejected"}
    assert desk.count(Enrolment) == 0 and desk.count(Person) == 0
    batch = desk.batch(batch_id)
    assert (batch.applied, batch.rejected) == (0, 3)
    held = [i for i in desk.issues(batch_id) if i.code == "held_back"]
    assert {i.excel_row for i in held} == {3, 5}
    assert all("全部正确才申报" in i.message and i.severity == "error" for i in held)
    assert err(4, "联系电话", "phone_format") in desk.errors(batch_id)
    decl = desk.declarations(batch_id)
    assert decl[3].errors[0]["code"] == "held_back"

    # Fixed and sent again, everything is applied.
    rows[1] = person(1).add()
    again, outcome = desk.submit(xlsx_bytes("person_add", rows), all_or_nothing=True)
    assert set(outcome.status.values()) == {"applied"}
    assert desk.count(Enrolment) == 12


def test_all_or_nothing_with_every_row_valid_applies_all(desk):
    rows = [person(i).add() for i in range(3)]
    _, outcome = desk.submit(xlsx_bytes("person_add", rows), all_or_nothing=True)
    assert set(outcome.status.values()) == {"applied"}


def test_dry_run_validates_and_applies_nothing(desk):
    rows = [person(0).add(), person(1).add(联系电话="12"), person(2).add(月缴费工资="3000")]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows), dry_run=True)
    assert outcome.status == {3: "valid", 4: "rejected", 5: "valid"}
    assert desk.count(Enrolment) == desk.count(Person) == desk.count(ContributionBase) == 0
    decl = desk.declarations(batch_id)
    assert {r: d.status for r, d in decl.items()} == {3: "valid", 4: "rejected", 5: "valid"}
    assert err(5, "月缴费工资", "base_below_floor") in desk.warnings(batch_id)
    batch = desk.batch(batch_id)
    assert (batch.applied, batch.rejected, batch.status) == (0, 1, "done")
    # A dry run leaves no applied key behind: the real upload afterwards applies the rows.
    _, real = desk.submit(xlsx_bytes("person_add", rows))
    assert real.status == {3: "applied", 4: "rejected", 5: "applied"}


# ------------------------------------------------------------------ against the registry


def test_person_already_active_here_from_another_month(desk):
    someone = person(0)
    desk.submit(xlsx_bytes("person_add", [someone.add(参保年月="202610")]))
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [someone.add(参保年月="202611")]))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "证件号码", "already_active_here")}
    (issue,) = [i for i in desk.issues(batch_id) if i.severity == "error"]
    assert "2026年10月" in issue.message
    assert {e.start_month for e in desk.enrolments()} == {"202610"}


def test_same_month_again_with_another_wage_is_refused_not_ignored(desk):
    # The registry already holds this person from this month; a re-upload with a corrected
    # wage is not applied (人员增加 does not change a base), and it is not "无变化" either:
    # the clerk is told which cell differs from what was declared, and how to change it.
    someone = person(0)
    first, _ = desk.submit(xlsx_bytes("person_add", [someone.add()]))
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [someone.add(月缴费工资="7000")]))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "月缴费工资", "declared_otherwise")}
    (issue,) = desk.issues(batch_id)
    assert f"批次 {first}" in issue.message and "本行「7000」" in issue.message
    assert desk.count(ContributionBase) == 1


def test_same_month_again_with_only_a_blank_or_a_remark_changed_is_unchanged(desk):
    # A blank cell states nothing, and 备注 is no part of the declaration.
    someone = person(0)
    desk.submit(xlsx_bytes("person_add", [someone.add()]))
    again = someone.add(民族="", 备注="第二次上传")
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [again]))
    assert outcome.status == {3: "unchanged"}


def test_same_month_asking_for_other_insurances_is_not_unchanged(desk):
    # The registry holds 养老/医疗/工伤 from 202611; a row asking for 失业保险 too is not
    # "identical in substance": it must not be reported 无变化 while nothing is enrolled.
    someone = person(0)
    desk.submit(xlsx_bytes("person_add", [someone.add(失业保险="否")]))
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [someone.add(失业保险="是")]))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "证件号码", "already_active_here")}
    assert sorted(e.insurance for e in desk.enrolments()) == ["110", "310", "410"]
    # The very row applied before is still unchanged.
    _, outcome = desk.submit(xlsx_bytes("person_add", [someone.add(失业保险="否")]))
    assert outcome.status == {3: "unchanged"}


def test_active_in_the_same_insurance_at_another_employer(desk, db_url):
    other = second_employer(db_url)
    someone = person(0)
    Desk(db_url, other).submit(
        xlsx_bytes("person_add", [someone.add(失业保险="否", 工伤保险="否")])
    )
    rows = [someone.add(养老保险="是", 医疗保险="否", 失业保险="是", 工伤保险="是")]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "养老保险", "active_elsewhere")}
    (issue,) = [i for i in desk.issues(batch_id) if i.severity == "error"]
    assert "绍兴另一家纺织有限公司" in issue.message
    assert "企业职工基本养老保险" in issue.message
    assert desk.enrolments(employer_id=desk.employer_id) == []

    # Only the insurances not held elsewhere: accepted.
    rows = [someone.add(养老保险="否", 医疗保险="否", 失业保险="是", 工伤保险="是")]
    _, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "applied"}
    here = {e.insurance for e in desk.enrolments(employer_id=desk.employer_id)}
    assert here == {"210", "410"}


def test_name_differs_from_the_registered_one(desk, db_url):
    other = second_employer(db_url)
    someone = person(0)
    Desk(db_url, other).submit(xlsx_bytes("person_add", [someone.add(养老保险="否")]))
    row = someone.add(姓名="王小明", 医疗保险="否", 失业保险="否", 工伤保险="否")
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [row]))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "姓名", "name_mismatch")}
    (issue,) = [i for i in desk.issues(batch_id) if i.severity == "error"]
    assert "王小明" in issue.message and someone.name in issue.message
    assert desk.person(someone.id_number).name == someone.name


def test_re_enrolment_after_a_stop_must_start_after_the_stop(desk):
    someone = person(0)
    desk.submit(xlsx_bytes("person_add", [someone.add(参保年月="202601")]))
    desk.submit(
        xlsx_bytes("person_remove", [someone.remove(停保年月="202606")]),
        file_name="人员减少.xlsx",
    )
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [someone.add(参保年月="202605")]))
    assert desk.errors(batch_id) == {err(3, "参保年月", "overlaps_history")}
    _, outcome = desk.submit(xlsx_bytes("person_add", [someone.add(参保年月="202607")]))
    assert outcome.status == {3: "applied"}
    months = sorted((e.start_month, e.status) for e in desk.enrolments(someone.id_number))
    assert months == [("202601", "stopped")] * 4 + [("202607", "active")] * 4


# ------------------------------------------------------------------ resuming


def _rows(n: int) -> list[list[object]]:
    return [person(i).add() for i in range(n)]


def test_interrupted_batch_resumes_and_applies_every_row_once(desk, monkeypatch):
    import importer.pipeline as pipeline

    rows = _rows(7) + [person(7).add(联系电话="1")]
    batch_id = desk.upload(xlsx_bytes("person_add", rows))
    real_apply, calls = pipeline._BatchRun._apply_chunk, []

    def crash_after_first_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(pipeline._BatchRun, "_apply_chunk", crash_after_first_chunk)
    with pytest.raises(RuntimeError):
        desk.run(batch_id, chunk_rows=3)
    monkeypatch.undo()
    assert desk.batch(batch_id).status == "running"
    assert desk.count(Person) == 3 and desk.count(Enrolment) == 12

    outcome = desk.run(batch_id, chunk_rows=3)
    assert outcome.status == {**{r: "applied" for r in range(3, 10)}, 10: "rejected"}
    batch = desk.batch(batch_id)
    assert (batch.status, batch.applied, batch.rejected, batch.unchanged) == ("done", 7, 1, 0)
    assert desk.count(Person) == 7
    assert desk.count(Enrolment) == 28
    assert desk.count(ContributionBase) == 7
    decl = desk.declarations(batch_id)
    assert len(decl) == 8
    assert sum(d.status == "applied" for d in decl.values()) == 7
    # A finished batch run once more changes nothing.
    assert desk.run(batch_id).status == {}
    assert desk.count(Enrolment) == 28


def test_batch_reset_to_running_after_finishing_is_counted_the_same(desk):
    rows = _rows(5)
    batch_id, _ = desk.submit(xlsx_bytes("person_add", rows), run_kw={"chunk_rows": 2})
    from sqlalchemy import delete

    from registry.models import Batch, BatchIssue

    with desk.uow() as uow:
        uow.session.get(Batch, batch_id).status = "running"
        uow.session.execute(
            delete(Declaration).where(
                Declaration.batch_id == batch_id, Declaration.status != "applied"
            )
        )
        uow.session.execute(delete(BatchIssue).where(BatchIssue.batch_id == batch_id))
        uow.commit()
    outcome = desk.run(batch_id, chunk_rows=2)
    assert set(outcome.status.values()) == {"applied"}
    batch = desk.batch(batch_id)
    assert (batch.applied, batch.unchanged) == (5, 0)
    assert desk.count(Enrolment) == 20 and len(desk.declarations(batch_id)) == 5


def test_small_chunks_give_the_same_result_as_one_chunk(desk):
    rows = _rows(11)
    rows[4] = person(4).add(性别="女")
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows), run_kw={"chunk_rows": 2})
    assert sum(s == "applied" for s in outcome.status.values()) == 10
    assert outcome.status[7] == "rejected"
    assert desk.count(Enrolment) == 40


# ------------------------------------------------------------------ normalising


def test_old_15_digit_id_is_upgraded_with_a_warning(desk):
    row = add_row(证件号码="330682800101123", 出生日期="1980-01-01")
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [row]))
    assert outcome.status == {3: "applied"}
    assert desk.person("330682198001011239") is not None
    assert err(3, "证件号码", "id15_upgraded") in desk.warnings(batch_id)
    (issue,) = [i for i in desk.issues(batch_id) if i.code == "id15_upgraded"]
    assert "330682198001011239" in issue.message and issue.value == "330682800101123"


def test_sheets_pasted_together_skip_the_repeated_header_with_a_notice(desk):
    from importer.kinds.person_add import SPEC as PERSON_ADD

    rows = [person(0).add(), list(PERSON_ADD.headers), person(1).add()]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "applied", 5: "applied"}, desk.errors(batch_id)
    assert (4, None, None, "repeated_header") in desk.warnings(batch_id)
    assert desk.batch(batch_id).rejected == 0


def test_a_reason_merged_down_several_rows_counts_for_each_row(desk):
    import io

    from openpyxl import load_workbook

    rows = [person(i).add(增加原因="转入" if i == 0 else "") for i in range(3)]
    book = load_workbook(io.BytesIO(xlsx_bytes("person_add", rows)))
    reason = ADD_LETTERS["增加原因"]
    book.worksheets[0].merge_cells(f"{reason}3:{reason}5")
    buf = io.BytesIO()
    book.save(buf)
    batch_id, outcome = desk.submit(buf.getvalue())
    assert outcome.status == {3: "applied", 4: "applied", 5: "applied"}, desk.errors(batch_id)
    assert {e.start_reason for e in desk.enrolments()} == {"转入"}


def test_full_width_digits_lowercase_x_and_spaces_are_normalised(desk):
    x_id = id_ending_in_x("19850312")
    full = x_id[:17].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "x"
    other = person(1)
    rows = [
        add_row(姓名=" 李 四 ", 证件号码=f"  {full} ", 出生日期="1985-03-12"),
        other.add(证件号码=other.id_number.lower() + "\u200b", 联系电话="１３８１２３４５６７８"),
    ]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "applied", 4: "applied"}, desk.errors(batch_id)
    stored = desk.person(x_id)
    assert stored is not None and stored.id_number.endswith("X")
    assert stored.name == "李 四"
    assert desk.person(other.id_number).phone == "13812345678"
    assert not [w for w in desk.warnings(batch_id) if w[0] is not None]


def test_excel_date_cells_in_date_and_month_columns(desk):
    p1, p2 = person(0), person(1)
    born1 = dt.date.fromisoformat(p1.birth)
    rows = [
        p1.add(
            出生日期=dt.datetime.combine(born1, dt.time()),
            参加工作日期=dt.date(2012, 7, 1),
            参保年月=dt.datetime(2026, 11, 1),
        ),
        # Serial numbers without a date format, and other ways people spell dates.
        p2.add(
            出生日期=p2.birth.replace("-", "/"), 参加工作日期="2012年7月1日", 参保年月="2026-11"
        ),
    ]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "applied", 4: "applied"}, desk.errors(batch_id)
    assert {e.start_month for e in desk.enrolments()} == {"202611"}
    assert desk.person(p1.id_number).birth_date == born1
    assert desk.person(p2.id_number).work_start_date == dt.date(2012, 7, 1)


def test_bare_excel_serial_numbers_in_date_and_month_columns(desk):
    p = person(0)
    born = dt.date.fromisoformat(p.birth)
    serial = (born - dt.date(1899, 12, 30)).days
    month_serial = (dt.date(2026, 11, 1) - dt.date(1899, 12, 30)).days
    batch_id, outcome = desk.submit(
        xlsx_bytes("person_add", [p.add(出生日期=serial, 参保年月=month_serial)])
    )
    assert outcome.status == {3: "applied"}, desk.errors(batch_id)
    assert desk.person(p.id_number).birth_date == born


def test_numbers_typed_into_general_cells(desk):
    p = person(0)
    row = p.add(参保年月=202611, 月缴费工资=6500.5, 联系电话=13812345678)
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [row]))
    assert outcome.status == {3: "applied"}, desk.errors(batch_id)
    (base,) = desk.bases(p.id_number)
    assert base.declared_wage == Decimal("6500.50")


def test_id_typed_as_a_number_is_its_own_error(desk):
    p = person(0)
    # What Excel keeps of an 18-digit number typed into a General cell.
    rows = [p.add(证件号码=float(p.id_number)), person(1).add()]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "rejected", 4: "applied"}
    assert desk.errors(batch_id) == {err(3, "证件号码", "id_excel_number")}
    (issue,) = [i for i in desk.issues(batch_id) if i.code == "id_excel_number"]
    assert "E+17" in issue.value
    assert "设为文本" in issue.message
    assert desk.count(Person) == 1


def test_id_typed_as_an_integer_cell_is_its_own_error(desk):
    p = person(0)
    assert p.id_number.isdigit()
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [p.add(证件号码=int(p.id_number))]))
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "证件号码", "id_excel_number")}


# ------------------------------------------------------------------ concurrent uploads


def _interleave(monkeypatch, meanwhile) -> None:
    """Run `meanwhile()` right after the next batch's first registry check, i.e. between
    its judgement of the sheet and its writes, as a concurrent upload would."""
    import importer.pipeline as pipeline

    real, fired = pipeline.check_against_registry, []

    def check_then_let_another_batch_in(*args, **kwargs):
        result = real(*args, **kwargs)
        if not fired:
            fired.append(True)
            meanwhile()
        return result

    monkeypatch.setattr(pipeline, "check_against_registry", check_then_let_another_batch_in)


def test_same_sheet_applied_by_another_batch_meanwhile_is_unchanged(desk, monkeypatch):
    rows = [person(i).add() for i in range(3)]
    data = xlsx_bytes("person_add", rows)
    other_batch = []
    _interleave(monkeypatch, lambda: other_batch.append(desk.submit(data)))
    batch_id, outcome = desk.submit(data)
    ((other_id, other_outcome),) = other_batch
    assert set(other_outcome.status.values()) == {"applied"}
    assert set(outcome.status.values()) == {"unchanged"}
    assert desk.batch(batch_id).unchanged == 3
    assert desk.count(Enrolment) == 12 and desk.count(ContributionBase) == 3


def test_same_sheet_applied_by_another_batch_while_this_one_validates_is_unchanged(
    desk, monkeypatch
):
    """The registry is read on a second thread while the sheet is validated; a batch that
    writes during validation must still be seen before anything is applied."""
    import importer.evaluate as evaluate

    data = xlsx_bytes("person_add", [person(i).add() for i in range(3)])
    real, other_batch = evaluate.validate_sheet, []

    def validate_after_another_batch(*args, **kwargs):
        if not other_batch:
            other_batch.append(None)
            other_batch.append(desk.submit(data))
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate, "validate_sheet", validate_after_another_batch)
    batch_id, outcome = desk.submit(data)
    (other_id, other_outcome) = other_batch[1]
    assert set(other_outcome.status.values()) == {"applied"}
    assert set(outcome.status.values()) == {"unchanged"}, desk.errors(batch_id)
    assert desk.count(Enrolment) == 12 and desk.count(ContributionBase) == 3


def test_person_enrolled_at_another_employer_meanwhile_is_not_enrolled_twice(
    desk, db_url, monkeypatch
):
    other = Desk(db_url, second_employer(db_url))
    someone = person(0)
    data = xlsx_bytes("person_add", [someone.add()])
    _interleave(monkeypatch, lambda: other.submit(data))
    batch_id, outcome = desk.submit(data)
    active = [e for e in desk.enrolments(someone.id_number) if e.status == "active"]
    by_insurance = {}
    for e in active:
        by_insurance.setdefault(e.insurance, set()).add(e.employer_id)
    assert all(len(employers) == 1 for employers in by_insurance.values()), by_insurance
    assert outcome.status == {3: "rejected"}
    assert err(3, "养老保险", "active_elsewhere") in desk.errors(batch_id)


def test_person_registered_by_another_employer_meanwhile_is_updated_not_inserted(
    desk, db_url, monkeypatch
):
    """The plan inserted the person as new; another employer's batch registered them
    first (in another insurance). The write fails on the person's key, the chunk is judged
    again and re-planned as an update, and the row is applied once."""
    other = Desk(db_url, second_employer(db_url))
    someone = person(0)
    only_injury = someone.add(养老保险="否", 医疗保险="否", 失业保险="否", 工伤保险="是")
    _interleave(monkeypatch, lambda: other.submit(xlsx_bytes("person_add", [only_injury])))
    ours = someone.add(工伤保险="否", 月缴费工资="7000")
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", [ours]))
    assert outcome.status == {3: "applied"}, desk.errors(batch_id)
    assert desk.count(Person) == 1
    held = {(e.insurance, e.employer_id) for e in desk.enrolments(someone.id_number)}
    assert held == {("410", other.employer_id)} | {
        (ins, desk.employer_id) for ins in ("110", "310", "210")
    }


# ------------------------------------------------------------------ less common people


def test_less_common_but_valid_rows(desk):
    hk = make_id("19880808", "022", area="810000")  # 港澳台居民居住证 numbers follow GB 11643
    rows = [
        add_row(
            姓名="JOHN SMITH",
            证件类型="护照",
            证件号码="E12345678",
            性别="男",
            出生日期="1985-05-05",
            民族="",
            增加原因="转入",
            用工形式="劳务派遣",
        ),
        add_row(
            姓名="阿卜杜·热合曼",
            证件号码=make_id("19920202", "017"),
            出生日期="1992-02-02",
            民族="维吾尔族",
        ),
        add_row(
            姓名="陈小梅",
            证件类型="港澳台居民居住证",
            证件号码=hk,
            性别="女",
            出生日期="1988-08-08",
            个人身份="干部",
            户口性质="农村",
            用工形式="非全日制",
            联系电话="0575-82123456",
            参加工作日期="",
            养老保险="否",
        ),
        # Sixteen in the month of enrolment: just old enough.
        add_row(
            姓名="小王", 证件号码=make_id("20101101", "013"), 出生日期="2010-11-01", 参加工作日期=""
        ),
        # Back-dated twelve months, the limit; and next month, the other limit.
        person(5).add(参保年月="202511"),
        person(6).add(参保年月="202612"),
    ]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"applied"}, desk.errors(batch_id)
    passport = desk.person("E12345678")
    assert (passport.id_type, passport.name, passport.ethnicity) == ("护照", "JOHN SMITH", None)
    assert desk.person(hk).identity == "干部"
    assert {e.insurance for e in desk.enrolments(hk)} == {"210", "310", "410"}
    assert {e.start_month for e in desk.enrolments(person(5).id_number)} == {"202511"}


def test_more_defects_each_named_precisely(desk):
    future_born = make_id("20270101", "011")
    rows = [
        person(0).add(备注="备" * 201),  # 3 too long
        person(1).add(姓名="王"),  # 4 one character
        add_row(证件号码=future_born, 出生日期="2027-01-01"),  # 5 born in the future
        person(2).add(参加工作日期="1980-01-01"),  # 6 started work before birth
        person(3).add(证件号码=person(3).id_number[:17]),  # 7 seventeen characters
        person(4).add(证件类型="驾驶证"),  # 8 not a document type
        person(5).add(出生日期="1990-02-30"),  # 9 no such day
        person(6, birth="19700101", gender="女").add(个人身份="干部"),  # 10 woman cadre at 56
        person(7).add(月缴费工资="0"),  # 11 not positive
        person(8).add(养老保险="Y"),  # 12 not 是/否
    ]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"rejected"}
    found = desk.errors(batch_id)
    # Row 5 may carry consequences of the future birth date too (age, work start).
    assert err(5, "证件号码", "id_birth_date") in found
    assert {e for e in found if e[0] != 5} == {
        err(3, "备注", "too_long"),
        err(4, "姓名", "person_name"),
        err(6, "参加工作日期", "work_before_birth"),
        err(7, "证件号码", "id_format"),
        err(8, "证件类型", "not_in_list"),
        err(9, "出生日期", "date_format"),
        err(10, "养老保险", "pension_past_retirement"),
        err(10, "失业保险", "unemployment_past_retirement"),
        err(11, "月缴费工资", "money_format"),
        err(12, "养老保险", "not_in_list"),
    }
    assert desk.count(Person) == 0


def test_a_bare_year_is_reported_as_typed_not_as_a_1905_date(desk):
    rows = [person(0).add(出生日期=1990), person(1).add(参保年月=2026)]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "rejected", 4: "rejected"}
    issues = {(i.excel_row, i.code): i for i in desk.issues(batch_id) if i.severity == "error"}
    assert set(issues) == {(3, "date_format"), (4, "month_format")}
    assert (
        issues[(3, "date_format")].value == "1990"
        and "「1990」" in issues[(3, "date_format")].message
    )
    assert issues[(4, "month_format")].value == "2026"
