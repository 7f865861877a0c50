"""Preview and undo hooks of 人员减少, 人员险种增加 and 人员险种减少, on SQLite and on
PostgreSQL: what `current` says the registry holds (the old values of the preview) for
a registry built by earlier batches, that it then agrees with every applied row, and that
`revert` of an applied batch gives back exactly the registry dumped before it."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import Desk, P, person, second_employer
from tests.integration.undo_hooks_support import current_of, dump, judgement_of, revert_batch

pytestmark = pytest.mark.integration

INSURANCES = ("养老保险", "医疗保险", "失业保险", "工伤保险")
ADD = ("姓名", "证件号码", "险种", "开始年月", "备注")
REMOVE = ("姓名", "证件号码", "险种", "停止年月", "减少原因", "备注")


def add_row(p: P, insurance: str, month: str = "202611") -> list[object]:
    """A 人员险种增加 row."""
    return [p.name, p.id_number, insurance, month, ""]


def remove_row(p: P, insurance: str, month: str = "202611", reason: str = "其他"):
    """A 人员险种减少 row."""
    return [p.name, p.id_number, insurance, month, reason, ""]


def submit(desk: Desk, kind: str, rows) -> tuple[int, dict[int, str]]:
    """Upload and run a sheet of `kind`: (batch id, status per Excel row)."""
    batch_id, outcome = desk.submit(xlsx_bytes(kind, rows), file_name=f"{kind}.xlsx")
    return batch_id, outcome.status


def enrol(desk: Desk, p: P, month: str = "202601", **cells) -> None:
    """人员增加 of `p` (all four insurances unless told otherwise)."""
    _, status = submit(desk, "person_add", [p.add(参保年月=month, **cells)])
    assert status == {3: "applied"}


def held(*yes: str) -> dict[str, str]:
    """The four insurance columns, 是 for `yes` and 否 for the others."""
    return {c: "是" if c in yes else "否" for c in INSURANCES}


def own(column: str, value: str) -> dict[str, str]:
    """The four insurance columns as a one-insurance row writes them."""
    return {c: value if c == column else "" for c in INSURANCES}


def expect(frame: pd.DataFrame, row: int, **cells: str) -> None:
    """Row `row` of a `current` frame holds exactly `cells` (every compared column)."""
    assert frame.loc[row].to_dict() == cells, row


def agrees_with_rows(url, employer_id, kind: str, data: bytes, rows: list[int]) -> None:
    """After the apply, `current` of the same sheet equals each of `rows`' own cells in
    every compared column: what undo reads as "not changed since"."""
    judgement = judgement_of(url, employer_id, kind, data)
    now = current_of(url, employer_id, kind, data)
    columns = list(now.columns)
    assert now.loc[rows, columns].equals(judgement.rows.loc[rows, columns].astype(now.dtypes))


# --- 人员减少 -----------------------------------------------------------------------------


def _remove_registry(desk: Desk, db_url: str) -> dict[str, P]:
    """Persons in every state 人员减少 meets, built by earlier batches."""
    people = {k: person(i) for i, k in enumerate("abcd")}
    people["retiree"] = person(4, birth="19660610")
    people["away"] = person(5)
    for key in "abd":
        enrol(desk, people[key])
    enrol(desk, people["c"], 工伤保险="否")
    enrol(desk, people["retiree"])
    # b: 失业保险 already stopped in 202611 for 其他 (人员险种减少); removing b in 202611
    # for 其他 too must not restart it on undo.
    b = people["b"]
    assert submit(desk, "insurance_remove", [remove_row(b, "失业保险")])[1] == {3: "applied"}
    # c: an earlier spell here, stopped in 202603, back from 202605.
    c = people["c"]
    assert submit(desk, "person_remove", [c.remove(减少原因="辞职", 停保年月="202603")])[1] == {
        3: "applied"
    }
    enrol(desk, c, month="202605", 工伤保险="否")
    # d: stopped already in 202611.
    assert submit(desk, "person_remove", [people["d"].remove()])[1] == {3: "applied"}
    # Someone insured at another employer only: untouched by anything here.
    Desk(db_url, second_employer(db_url)).submit(xlsx_bytes("person_add", [people["away"].add()]))
    return people


def _remove_sheet(people: dict[str, P]) -> bytes:
    return xlsx_bytes(
        "person_remove",
        [
            people["a"].remove(减少原因="辞职"),  # 3 applied
            people["b"].remove(减少原因="其他"),  # 4 applied
            people["c"].remove(减少原因="解除劳动合同"),  # 5 applied
            people["d"].remove(),  # 6 unchanged: stopped in 202611 already
            people["retiree"].remove(减少原因="退休", 停保年月="202608"),  # 7 review
            person(9).remove(),  # 8 unknown person
        ],
    )


def test_person_remove_current_is_the_registry_before_the_sheet(desk, db_url):
    people = _remove_registry(desk, db_url)
    data = _remove_sheet(people)
    before = current_of(db_url, desk.employer_id, "person_remove", data)

    assert list(before.columns) == ["停保年月", "减少原因", *INSURANCES]
    assert list(before.index) == [3, 4, 5, 6, 7]  # the unknown person is new
    expect(before, 3, 停保年月="", 减少原因="", **held(*INSURANCES))
    expect(before, 4, 停保年月="", 减少原因="", **held("养老保险", "医疗保险", "工伤保险"))
    expect(before, 5, 停保年月="", 减少原因="", **held("养老保险", "医疗保险", "失业保险"))
    expect(before, 6, 停保年月="202611", 减少原因="辞职", **held())
    expect(before, 7, 停保年月="", 减少原因="", **held(*INSURANCES))
    # The preview's old → new: 停保年月 "" → 202611, 养老保险 是 → 否 ...
    desk.submit(data, file_name="人员减少.xlsx")
    after = current_of(db_url, desk.employer_id, "person_remove", data)
    expect(after, 3, 停保年月="202611", 减少原因="辞职", **held())
    expect(after, 5, 停保年月="202611", 减少原因="解除劳动合同", **held())


def test_person_remove_apply_then_revert_restores_the_registry_exactly(desk, db_url):
    people = _remove_registry(desk, db_url)
    data = _remove_sheet(people)
    before = current_of(db_url, desk.employer_id, "person_remove", data)
    registry = dump(db_url)

    batch_id, outcome = desk.submit(data, file_name="人员减少.xlsx")
    assert outcome.status == {
        3: "applied", 4: "applied", 5: "applied", 6: "unchanged", 7: "pending_review",
        8: "rejected",
    }  # fmt: skip
    assert dump(db_url) != registry
    agrees_with_rows(db_url, desk.employer_id, "person_remove", data, [3, 4, 5, 6])

    assert revert_batch(db_url, desk.employer_id, batch_id, "person_remove", before) == 3
    assert dump(db_url) == registry
    b = {e.insurance: (e.status, e.end_month) for e in desk.enrolments(people["b"].id_number)}
    assert b["210"] == ("stopped", "202611") and b["110"] == ("active", None)
    # Reverting again changes nothing.
    revert_batch(db_url, desk.employer_id, batch_id, "person_remove", before)
    assert dump(db_url) == registry


# --- 人员险种增加 -------------------------------------------------------------------------


def _add_registry(desk: Desk, db_url: str) -> dict[str, P]:
    people = {k: person(i) for i, k in enumerate("abcez")}
    for key in "acz":
        enrol(desk, people[key], 失业保险="否")
    enrol(desk, people["b"])
    enrol(desk, people["e"], 养老保险="否")
    # b: 失业保险 stopped here in 202603, added again by the sheet.
    b = people["b"]
    status = submit(desk, "insurance_remove", [remove_row(b, "失业保险", "202603")])[1]
    assert status == {3: "applied"}
    # z: 失业保险 active at another employer.
    other = Desk(db_url, second_employer(db_url))
    other.submit(
        xlsx_bytes("person_add", [people["z"].add(养老保险="否", 医疗保险="否", 工伤保险="否")])
    )
    return people


def _add_sheet(people: dict[str, P]) -> bytes:
    a, b, c, e, z = (people[k] for k in "abcez")
    return xlsx_bytes(
        "insurance_add",
        [
            add_row(a, "失业保险"),  # 3 applied
            add_row(a, "医疗保险"),  # 4 rejected: active from 202601
            add_row(b, "失业保险"),  # 5 applied (stopped in 202603 before)
            add_row(c, "工伤保险", "202601"),  # 6 unchanged
            add_row(z, "失业保险"),  # 7 rejected: active elsewhere
            add_row(person(9), "失业保险"),  # 8 unknown person
            add_row(e, "养老保险"),  # 9 applied
        ],
    )


def test_insurance_add_current_is_the_registry_before_the_sheet(desk, db_url):
    data = _add_sheet(_add_registry(desk, db_url))
    before = current_of(db_url, desk.employer_id, "insurance_add", data)

    assert list(before.columns) == [*INSURANCES, "开始年月"]
    assert list(before.index) == [3, 4, 5, 6, 7, 9]
    expect(before, 3, **own("失业保险", "否"), 开始年月="")
    expect(before, 4, **own("医疗保险", "是"), 开始年月="202601")
    expect(before, 5, **own("失业保险", "否"), 开始年月="")
    expect(before, 6, **own("工伤保险", "是"), 开始年月="202601")
    expect(before, 7, **own("失业保险", "否"), 开始年月="")
    # The example: 养老保险 否 → 是.
    expect(before, 9, **own("养老保险", "否"), 开始年月="")


def test_insurance_add_apply_then_revert_restores_the_registry_exactly(desk, db_url):
    data = _add_sheet(_add_registry(desk, db_url))
    before = current_of(db_url, desk.employer_id, "insurance_add", data)
    registry = dump(db_url)

    batch_id, outcome = desk.submit(data, file_name="人员险种增加.xlsx")
    assert outcome.status == {
        3: "applied", 4: "rejected", 5: "applied", 6: "unchanged", 7: "rejected",
        8: "rejected", 9: "applied",
    }  # fmt: skip
    (declared,) = [d for d in desk.declarations(batch_id).values() if d.excel_row == 9]
    assert {c: declared.payload[c] for c in INSURANCES} == own("养老保险", "是")
    agrees_with_rows(db_url, desk.employer_id, "insurance_add", data, [3, 5, 6, 9])

    assert revert_batch(db_url, desk.employer_id, batch_id, "insurance_add", before) == 3
    assert dump(db_url) == registry
    revert_batch(db_url, desk.employer_id, batch_id, "insurance_add", before)
    assert dump(db_url) == registry


# --- 人员险种减少 -------------------------------------------------------------------------


def _insurance_remove_registry(desk: Desk, db_url: str) -> dict[str, P]:
    people = {k: person(i) for i, k in enumerate("afgh")}
    for key in "afg":
        enrol(desk, people[key])
    enrol(desk, people["h"], 养老保险="否", 医疗保险="否", 失业保险="否")
    # f: 工伤保险 stopped in 202603 for 其他 and added again from 202605.
    f = people["f"]
    assert submit(desk, "insurance_remove", [remove_row(f, "工伤保险", "202603")])[1] == {
        3: "applied"
    }
    assert submit(desk, "insurance_add", [add_row(f, "工伤保险", "202605")])[1] == {3: "applied"}
    # g: 失业保险 stopped in 202611 already.
    assert submit(desk, "insurance_remove", [remove_row(people["g"], "失业保险")])[1] == {
        3: "applied"
    }
    Desk(db_url, second_employer(db_url)).submit(xlsx_bytes("person_add", [person(7).add()]))
    return people


def _insurance_remove_sheet(people: dict[str, P]) -> bytes:
    a, f, g, h = (people[k] for k in "afgh")
    return xlsx_bytes(
        "insurance_remove",
        [
            remove_row(a, "医疗保险", reason="重复参保"),  # 3 applied
            remove_row(a, "工伤保险"),  # 4 applied
            remove_row(f, "工伤保险"),  # 5 applied (the 202605 enrolment)
            remove_row(g, "失业保险"),  # 6 unchanged
            remove_row(h, "工伤保险", reason="转往他处参保"),  # 7 applied: the last one
            remove_row(person(9), "工伤保险"),  # 8 unknown person
        ],
    )


def test_insurance_remove_current_is_the_registry_before_the_sheet(desk, db_url):
    data = _insurance_remove_sheet(_insurance_remove_registry(desk, db_url))
    before = current_of(db_url, desk.employer_id, "insurance_remove", data)

    assert list(before.columns) == [*INSURANCES, "停止年月", "减少原因"]
    assert list(before.index) == [3, 4, 5, 6, 7]
    expect(before, 3, **own("医疗保险", "是"), 停止年月="", 减少原因="")
    expect(before, 4, **own("工伤保险", "是"), 停止年月="", 减少原因="")
    expect(before, 5, **own("工伤保险", "是"), 停止年月="", 减少原因="")
    expect(before, 6, **own("失业保险", "否"), 停止年月="202611", 减少原因="其他")
    expect(before, 7, **own("工伤保险", "是"), 停止年月="", 减少原因="")


def test_insurance_remove_apply_then_revert_restores_the_registry_exactly(desk, db_url):
    people = _insurance_remove_registry(desk, db_url)
    data = _insurance_remove_sheet(people)
    before = current_of(db_url, desk.employer_id, "insurance_remove", data)
    registry = dump(db_url)

    batch_id, outcome = desk.submit(data, file_name="人员险种减少.xlsx")
    assert outcome.status == {
        3: "applied", 4: "applied", 5: "applied", 6: "unchanged", 7: "applied", 8: "rejected",
    }  # fmt: skip
    after = current_of(db_url, desk.employer_id, "insurance_remove", data)
    expect(after, 3, **own("医疗保险", "否"), 停止年月="202611", 减少原因="重复参保")
    agrees_with_rows(db_url, desk.employer_id, "insurance_remove", data, [3, 4, 5, 6, 7])

    assert revert_batch(db_url, desk.employer_id, batch_id, "insurance_remove", before) == 4
    assert dump(db_url) == registry
    injury = sorted(
        (e.start_month, e.status, e.end_month)
        for e in desk.enrolments(people["f"].id_number)
        if e.insurance == "410"
    )
    assert injury == [("202601", "stopped", "202603"), ("202605", "active", None)]
    revert_batch(db_url, desk.employer_id, batch_id, "insurance_remove", before)
    assert dump(db_url) == registry
