"""Preview and undo hooks of 年度缴费基数申报 and 单位基本信息变更, on SQLite and PostgreSQL:
`current` gives what the registry holds for every compared column (absent for a new
subject), and base_declare's `revert` after its batch gives back exactly the registry
dumped before it."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import delete

from importer.kinds import get_kind, spec_of
from importer.kinds.employer_change import change_sheet
from registry.models import ContributionBase
from tests.builders import xlsx_bytes
from tests.integration.injury_support import decide
from tests.integration.judged_support import (
    applied_rows,
    as_dicts,
    current,
    dump,
    judged,
    revert,
)
from tests.integration.test_pipeline_support import Desk, person, second_employer

pytestmark = pytest.mark.integration

BASE_HEADERS = spec_of("base_declare").headers
COMPARED = get_kind("base_declare").compared_columns


def base_row(p, year: str = "2027", total: str = "86400", **cells: object) -> list[object]:
    values: dict[str, object] = {"姓名": p.name, "证件号码": p.id_number, "申报年度": year,
                                 "上年度工资总额": total, "上年度工作月数": "12", "备注": ""}  # fmt: skip
    values.update(cells)
    return [values[h] for h in BASE_HEADERS]


def submit(desk: Desk, kind: str, rows) -> tuple[int, dict[int, str]]:
    batch_id, outcome = desk.submit(xlsx_bytes(kind, rows), file_name=f"{kind}.xlsx")
    return batch_id, outcome.status


def registry_of_bases(desk: Desk):
    """A registry where each person stands differently towards the 2027 declaration:
    A declared 2026 (6,000.00 from 202601 over the 6,500.00 of 202512), B and D enrolled
    202601 at 6,500.00 and 7,000.00, C enrolled 202512, E holds no base here at all."""
    a, b, c, d, e, stranger = (person(i) for i in range(6))
    _, status = submit(desk, "person_add", [a.add(参保年月="202512"), c.add(参保年月="202512")])
    assert set(status.values()) == {"applied"}
    _, status = submit(
        desk,
        "person_add",
        [
            b.add(参保年月="202601"),
            d.add(参保年月="202601", 月缴费工资="7000"),
            e.add(参保年月="202601"),
        ],
    )
    assert set(status.values()) == {"applied"}
    _, status = submit(desk, "base_declare", [base_row(a, year="2026", total="72000")])
    assert status == {3: "applied"}
    with desk.uow() as uow:
        # A person carried over from the old system without a base: nothing to show.
        uow.session.execute(
            delete(ContributionBase).where(ContributionBase.person_id == e.id_number)
        )
        uow.commit()
    return a, b, c, d, e, stranger


def declaration_sheet(a, b, c, d, e, stranger) -> bytes:
    return xlsx_bytes(
        "base_declare",
        [
            base_row(a),  # 7,200.00 over A's declared 6,000.00
            base_row(b, total="600000"),  # 50,000 a month: clamped to the cap
            base_row(c, year="2026", total="78000"),  # the current year, over 202512
            base_row(d, total="84000"),  # 7,000.00: the same figure, from a new month
            base_row(e),  # no base held here
            base_row(stranger),  # not in the registry
        ],
    )


def test_current_is_the_base_in_force_in_january_of_the_declared_year(desk):
    people = registry_of_bases(desk)
    found = current(desk, "base_declare", declaration_sheet(*people))
    assert list(found.columns) == list(COMPARED) == ["基数起始年月", "月平均工资", "缴费基数"]
    assert as_dicts(found) == {
        3: {"基数起始年月": "202601", "月平均工资": "6000.00", "缴费基数": "6000.00"},
        4: {"基数起始年月": "202601", "月平均工资": "6500.00", "缴费基数": "6500.00"},
        5: {"基数起始年月": "202512", "月平均工资": "6500.00", "缴费基数": "6500.00"},
        6: {"基数起始年月": "202601", "月平均工资": "7000.00", "缴费基数": "7000.00"},
    }


def test_the_rows_own_cells_say_what_the_preview_shows_new(desk):
    people = registry_of_bases(desk)
    data = declaration_sheet(*people)
    rows = judged(desk, "base_declare", data).rows
    assert rows.loc[3, list(COMPARED)].tolist() == ["202701", "7200.00", "7200.00"]
    assert rows.loc[5, list(COMPARED)].tolist() == ["202601", "6500.00", "6500.00"]
    # The cap as published ("25000") is written like the registry writes money.
    assert rows.loc[4, "缴费基数"].endswith(".00") and rows.loc[4, "月平均工资"] == "50000.00"


def test_after_the_apply_current_is_what_each_row_set_and_revert_restores_the_dump(desk):
    people = registry_of_bases(desk)
    data = declaration_sheet(*people)
    before = current(desk, "base_declare", data)
    dumped = dump(desk)
    batch_id, status = desk.submit(data, file_name="缴费基数.xlsx")
    assert status.status == {3: "applied", 4: "applied", 5: "applied", 6: "applied",
                             7: "applied", 8: "rejected"}  # fmt: skip
    assert dump(desk) != dumped
    rows = applied_rows(desk, batch_id, before)
    now = current(desk, "base_declare", data)
    # What undo checks before reverting a row: the registry still holds what it set.
    assert as_dicts(now) == as_dicts(rows[list(COMPARED)])
    assert rows.at[3, "_before"] == {"基数起始年月": "202601", "月平均工资": "6000.00",
                                     "缴费基数": "6000.00"}  # fmt: skip
    assert rows.at[7, "_before"] is None
    revert(desk, "base_declare", batch_id, rows)
    assert dump(desk) == dumped
    assert as_dicts(current(desk, "base_declare", data)) == as_dicts(before)
    # Planned again (a worker killed after the commit, before marking the rows): no harm.
    revert(desk, "base_declare", batch_id, rows)
    assert dump(desk) == dumped


def test_revert_removes_only_the_batchs_own_base_of_a_year(desk):
    a, *_ = registry_of_bases(desk)
    dumped = dump(desk)
    batch_id, status = submit(desk, "base_declare", [base_row(a)])
    assert status == {3: "applied"}
    assert sorted(b.effective_month for b in desk.bases(a.id_number)) == [
        "202512",
        "202601",
        "202701",
    ]
    # `_before` plays no part: the batch inserted the base, undo deletes it.
    revert(desk, "base_declare", batch_id, applied_rows(desk, batch_id, _empty()))
    assert dump(desk) == dumped
    assert sorted(b.effective_month for b in desk.bases(a.id_number)) == ["202512", "202601"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COMPARED))


# ------------------------------------------------------------------ employer_change


def test_employer_current_shows_the_registered_value_of_each_field_a_row_changes(desk):
    registered = {
        "单位地址": "绍兴市上虞区曹娥街道示例路 8 号", "联系人": "李红",
        "银行账号": "1211020109000123456", "行业风险类别": "3",
    }  # fmt: skip
    batch_id, outcome = desk.submit(change_sheet(registered), file_name="单位信息变更.xlsx")
    assert outcome.status == {3: "pending_review"}
    decide(desk, desk.declarations(batch_id)[3])
    change = {
        "单位地址": "绍兴市上虞区百官街道新路 18 号",  # old → new
        "银行账号": "1211 0201 0900 0123 456",  # the registered one, typed with spaces
        "联系电话": "0575-82123456",  # nothing held: "" → new
        "行业风险类别": "4",
    }
    judgement = judged(desk, "employer_change", change_sheet(change))
    hook = get_kind("employer_change").current
    assert hook is not None
    found = as_dicts(hook(judgement))
    assert list(found) == [3]
    held = found[3]
    assert set(held) == set(spec_of("employer_change").headers)
    assert held["单位地址"] == "绍兴市上虞区曹娥街道示例路 8 号"
    assert held["行业风险类别"] == "3"
    assert held["联系电话"] == ""
    # A field the row leaves blank, or gives as registered, is not shown as a change.
    assert held["联系人"] == "" and held["单位名称"] == ""
    row = judgement.rows.loc[3].to_dict()
    differs = {h: (held[h], row[h]) for h in held if held[h] != row[h]}
    assert differs == {
        "单位地址": ("绍兴市上虞区曹娥街道示例路 8 号", "绍兴市上虞区百官街道新路 18 号"),
        "联系电话": ("", "0575-82123456"),
        "行业风险类别": ("3", "4"),
    }


def test_a_risk_class_reads_as_the_sheet_writes_it(desk, db_url):
    second_employer(db_url)  # another employer's details do not mix in
    batch_id, outcome = desk.submit(change_sheet({"行业风险类别": "3"}), file_name="变更.xlsx")
    assert outcome.status == {3: "pending_review"}
    decide(desk, desk.declarations(batch_id)[3])
    again = change_sheet({"行业风险类别": "3", "联系人": "王芳"})
    found = as_dicts(current(desk, "employer_change", again))
    assert (found[3]["行业风险类别"], found[3]["联系人"]) == ("3", "")
    # The class sent once more changes nothing: the same sheet is 无变化, not a change.
    _, outcome = desk.submit(change_sheet({"行业风险类别": "3"}), file_name="变更.xlsx")
    assert outcome.status == {3: "unchanged"}
