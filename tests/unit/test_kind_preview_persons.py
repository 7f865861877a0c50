"""`current` and `revert` of 人员减少, 人员险种增加 and 人员险种减少 on registry states
written out by hand (no database): the old values the preview shows in the edge cases
(several spells, stops for different reasons in one month, another employer, nothing
known), and the exact writes a revert plans from a before-image."""

from __future__ import annotations

import pandas as pd

from importer.apply import Delete, Target, Update
from importer.kinds import get_kind
from tests.unit.kind_support import AWAY, enrolment, judgement, make_id

A, B, C = make_id(seq="123"), make_id(seq="125"), make_id(seq="127")
TARGET = Target(1, 42, frozenset())
FOUR = ("养老保险", "医疗保险", "失业保险", "工伤保险")


def current(kind: str, rows: list[dict[str, str]], state: list[tuple]) -> pd.DataFrame:
    found = get_kind(kind).current
    assert found is not None
    return found(judgement(kind, rows, state))


def leaving(pid: str, reason: str = "辞职", month: str = "202611") -> dict[str, str]:
    return {"姓名": "张三", "证件号码": pid, "减少原因": reason, "停保年月": month}


def held(*yes: str) -> dict[str, str]:
    return {c: "是" if c in yes else "否" for c in FOUR}


def own(column: str, value: str) -> dict[str, str]:
    return {c: value if c == column else "" for c in FOUR}


def test_person_remove_stops_of_one_month_for_two_reasons_give_the_rows_own():
    # 失业保险 stopped by 人员险种减少 (其他), the rest by 人员减少 (辞职), both in 202611.
    state = [
        enrolment(A, "110", end="202611", reason="辞职"),
        enrolment(A, "210", end="202611", reason="其他"),
        enrolment(A, "310", "202401", end="202512", reason="死亡"),
    ]
    rows = [leaving(A, "辞职"), leaving(A, "其他"), leaving(A, "转出")]
    found = current("person_remove", rows, state)
    assert found["停保年月"].tolist() == ["202611"] * 3
    assert found["减少原因"].tolist()[:2] == ["辞职", "其他"]
    assert found.at[5, "减少原因"] in {"辞职", "其他"}
    assert found.loc[3, list(FOUR)].to_dict() == held()


def test_person_remove_of_someone_insured_elsewhere_only_holds_nothing_here():
    state = [enrolment(A, "110", employer=AWAY), enrolment(B, "110")]
    found = current("person_remove", [leaving(A), leaving(B), leaving(C)], state)
    assert list(found.index) == [3, 4]  # C is not a registered person
    assert found.loc[3].to_dict() == {"停保年月": "", "减少原因": "", **held()}
    assert found.loc[4].to_dict() == {"停保年月": "", "减少原因": "", **held("养老保险")}


def test_nothing_known_gives_an_empty_frame_of_the_compared_columns():
    for kind, row in (
        ("person_remove", leaving(A)),
        ("insurance_add", {"证件号码": A, "险种": "失业保险", "开始年月": "202611"}),
        ("insurance_remove", {"证件号码": A, "险种": "失业保险", "停止年月": "202611"}),
    ):
        found = current(kind, [row], [])
        assert found.empty and list(found.columns) == list(get_kind(kind).compared_columns)


def test_insurance_remove_reads_the_latest_stop_of_that_insurance_only():
    state = [
        enrolment(A, "210", "202401", end="202406", reason="重复参保"),
        enrolment(A, "210", "202501", end="202509", reason="转往他处参保"),
        enrolment(A, "410", "202501", end="202510", reason="其他"),
        enrolment(A, "310", "202501", end="202503", reason="其他"),
        enrolment(A, "310", "202505"),
    ]
    rows = [
        {"证件号码": A, "险种": "失业保险", "停止年月": "202611", "减少原因": "其他"},
        {"证件号码": A, "险种": "医疗保险", "停止年月": "202611", "减少原因": "其他"},
    ]
    found = current("insurance_remove", rows, state)
    assert found.loc[3].to_dict() == {
        **own("失业保险", "否"), "停止年月": "202509", "减少原因": "转往他处参保",
    }  # fmt: skip
    # Active again after an earlier stop: nothing stopped now.
    assert found.loc[4].to_dict() == {**own("医疗保险", "是"), "停止年月": "", "减少原因": ""}


def test_insurance_add_start_is_the_active_enrolments_here_not_elsewhere():
    state = [
        enrolment(A, "110", "202603"),
        enrolment(A, "210", "202601", employer=AWAY),
        enrolment(A, "310", "202401", end="202412", reason="其他"),
    ]
    rows = [
        {"证件号码": A, "险种": "养老保险", "开始年月": "202603"},
        {"证件号码": A, "险种": "失业保险", "开始年月": "202611"},
        {"证件号码": A, "险种": "医疗保险", "开始年月": "202611"},
    ]
    found = current("insurance_add", rows, state)
    assert found.loc[3].to_dict() == {**own("养老保险", "是"), "开始年月": "202603"}
    assert found.loc[4].to_dict() == {**own("失业保险", "否"), "开始年月": ""}
    assert found.loc[5].to_dict() == {**own("医疗保险", "否"), "开始年月": ""}


def _applied(rows: list[dict], befores: list[dict | None]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, index=range(3, 3 + len(rows)))
    frame["_before"] = pd.Series(befores, index=frame.index, dtype=object)
    return frame


def test_person_remove_revert_restarts_only_what_the_image_held():
    rows = _applied(
        [leaving(A, "其他"), leaving(B)],
        [{"停保年月": "", "减少原因": "", **held("养老保险", "工伤保险")}, None],
    )
    revert = get_kind("person_remove").revert
    assert revert is not None
    (write,) = revert(rows, TARGET)
    assert isinstance(write, Update)
    assert write.rows == [
        (None, None, A, 1, "110", "202611", "其他"),
        (None, None, A, 1, "410", "202611", "其他"),
    ]


def test_insurance_remove_revert_restarts_the_rows_insurance():
    row = {"证件号码": A, "险种": "失业保险", "停止年月": "202611", "减少原因": "其他"}
    image = {**own("失业保险", "是"), "停止年月": "", "减少原因": ""}
    not_held = {**own("失业保险", "否"), "停止年月": "202509", "减少原因": "其他"}
    revert = get_kind("insurance_remove").revert
    assert revert is not None
    (write,) = revert(_applied([row, row], [image, not_held]), TARGET)
    assert isinstance(write, Update)
    assert write.rows == [(None, None, A, 1, "210", "202611", "其他")]


def test_insurance_add_revert_deletes_the_batchs_enrolment():
    rows = _applied(
        [{"证件号码": A, "险种": "工伤保险"}, {"证件号码": B, "险种": "养老保险"}],
        [{**own("工伤保险", "否"), "开始年月": ""}] * 2,
    )
    revert = get_kind("insurance_add").revert
    assert revert is not None
    (write,) = revert(rows, TARGET)
    assert isinstance(write, Delete)
    assert write.table == "enrolments" and tuple(write.key)[-1] == "batch_id"
    assert write.rows == [(A, 1, "410", 42), (B, 1, "110", 42)]
