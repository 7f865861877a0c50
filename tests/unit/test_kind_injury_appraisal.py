"""工伤鉴定 rules, each at its boundary: the sheet checks, the injury that must be approved
here for this person, and the category rules against the injury's appraisals (初次 once,
复查 from one year after the last conclusion, 再次 within 15 days of it)."""

from __future__ import annotations

import datetime as dt
import string

import pandas as pd
import pytest

from importer.kinds.base import Judgement, RegistryVerdict
from importer.kinds.injury_appraisal import KIND, SPEC, AppraisalState, summarise
from importer.normalise import normalise
from validators import idcard
from validators.context import RuleContext
from validators.sheet import validate_sheet

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 11, 29)
CTX = RuleContext(today=TODAY, employer_code="12345678")
HEADERS = SPEC.headers
LETTERS = {h: string.ascii_uppercase[i] for i, h in enumerate(HEADERS)}
EMPLOYER = 1
NUMBER = "GS202600001"


def make_id(born: str = "19900315", seq: str = "131") -> str:
    first17 = f"330682{born}{seq}"
    return first17 + idcard.check_char(first17)


WORKER, OTHER = make_id(), make_id(seq="133")


def row(**cells: str) -> dict[str, str]:
    values = {"姓名": "张伟", "证件号码": WORKER, "工伤认定编号": NUMBER, "鉴定类别": "初次鉴定",
              "申请日期": "2026-11-20", "备注": ""}  # fmt: skip
    values.update(cells)
    return [values[h] for h in HEADERS]


def sheet(*rows) -> pd.DataFrame:
    raw = pd.DataFrame(list(rows), columns=HEADERS, index=range(3, 3 + len(rows)), dtype="str")
    return normalise(raw, SPEC, LETTERS)[0]


def codes_of(*rows) -> set[tuple[int, str, str]]:
    return {
        (e.row, e.column, e.code) for e in validate_sheet(KIND.rules, sheet(*rows), CTX, LETTERS)
    }


# --------------------------------------------------------------------------- sheet checks


def test_valid_row_and_number_normalisation():
    assert codes_of(row()) == set()
    assert sheet(row(工伤认定编号=" gs 2026 00001 "))["工伤认定编号"].tolist() == [NUMBER]
    assert sheet(row(工伤认定编号="ＧＳ２０２６０００１"))["工伤认定编号"].tolist() == [
        "GS20260001"
    ]


@pytest.mark.parametrize("bad", ["GS20260001", "GS2026000012", "XS202600001", "202600001"])
def test_number_shape(bad):
    assert codes_of(row(工伤认定编号=bad)) == {(3, "工伤认定编号", "injury_no_format")}


def test_required_category_and_dates():
    assert codes_of(row(鉴定类别="")) == {(3, "鉴定类别", "required")}
    assert codes_of(row(鉴定类别="复核鉴定")) == {(3, "鉴定类别", "not_in_list")}
    assert codes_of(row(申请日期="2026-11-30")) == {(3, "申请日期", "date_in_future")}
    assert codes_of(row(申请日期="2026-02-30")) == {(3, "申请日期", "date_format")}


def test_one_application_per_injury_in_a_sheet():
    assert codes_of(row(), row(鉴定类别="复查鉴定")) == {
        (3, "工伤认定编号", "duplicate_injury_no"),
        (4, "工伤认定编号", "duplicate_injury_no"),
    }
    assert codes_of(row(), row(工伤认定编号="GS202600002")) == set()


# --------------------------------------------------------------------------- registry judgement


def injury(number=NUMBER, person=WORKER, employer=EMPLOYER) -> dict:
    return {"id": 1, "injury_no": number, "person_id": person, "employer_id": employer,
            "decided_at": dt.datetime(2025, 1, 5)}  # fmt: skip


def appraisal(category, applied, state="concluded", concluded=None, grade="八级"):
    return {
        "id": 1, "injury_no": NUMBER, "category": category,
        "applied_date": dt.date.fromisoformat(applied), "state": state,
        "grade": grade if state == "concluded" else None,
        "self_care": "未达等级" if state == "concluded" else None,
        "concluded_at": dt.date.fromisoformat(concluded) if concluded else None,
    }  # fmt: skip


APPRAISAL_COLUMNS = [
    "id", "injury_no", "category", "applied_date", "state", "grade", "self_care", "concluded_at"
]  # fmt: skip


def judged(*rows, injuries=(None,), appraisals=()) -> RegistryVerdict:
    found = [injury() if i is None else i for i in injuries]
    state = AppraisalState(
        pd.DataFrame(found, columns=["id", "injury_no", "person_id", "employer_id", "decided_at"]),
        pd.DataFrame(list(appraisals), columns=APPRAISAL_COLUMNS),
        {WORKER: "张伟", OTHER: "李娜"},
    )
    v = RegistryVerdict()
    KIND.judge(Judgement(sheet(*rows), state, EMPLOYER, CTX, LETTERS), v)
    return v


def errors(v: RegistryVerdict) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.code) for e in v.errors}


def test_first_appraisal_of_an_approved_injury_is_accepted():
    v = judged(row())
    assert v.errors == [] and v.unchanged == set()


def test_unknown_number_or_another_employers_injury():
    assert errors(judged(row(工伤认定编号="GS202699999"))) == {
        (3, "工伤认定编号", "injury_unknown")
    }
    v = judged(row(), injuries=[injury(employer=2)])
    assert errors(v) == {(3, "工伤认定编号", "injury_unknown")}
    assert "不是本单位已认定的工伤" in v.errors[0].message


def test_injury_of_another_person():
    v = judged(row(证件号码=OTHER, 姓名="李娜"))
    assert errors(v) == {(3, "证件号码", "injury_other_person")}


def test_registered_name():
    assert errors(judged(row(姓名="张三"))) == {(3, "姓名", "name_mismatch")}


def test_initial_appraisal_only_once_naming_the_first():
    first = appraisal("初次鉴定", "2026-03-02", concluded="2026-04-10")
    v = judged(row(申请日期="2026-11-20"), appraisals=[first])
    assert errors(v) == {(3, "鉴定类别", "first_appraisal_exists")}
    assert "2026-03-02" in v.errors[0].message and "八级" in v.errors[0].message
    pending = appraisal("初次鉴定", "2026-11-02", state="pending")
    v = judged(row(申请日期="2026-11-20"), appraisals=[pending])
    assert errors(v) == {(3, "鉴定类别", "first_appraisal_exists")}
    assert "2026-11-02" in v.errors[0].message and "正在审核" in v.errors[0].message


def test_a_rejected_initial_application_may_be_filed_again():
    rejected = appraisal("初次鉴定", "2026-03-02", state="rejected")
    assert judged(row(), appraisals=[rejected]).errors == []


def test_the_same_application_again_is_unchanged():
    first = appraisal("初次鉴定", "2026-11-20", state="pending")
    v = judged(row(申请日期="2026-11-20"), appraisals=[first])
    assert v.unchanged == {3} and v.errors == []


@pytest.mark.parametrize(
    ("concluded", "applied", "ok"),
    [
        ("2025-11-28", "2026-11-28", True),  # exactly one year after: allowed
        ("2025-11-28", "2026-11-27", False),  # one day short
        ("2024-02-29", "2025-02-28", True),  # a leap day's anniversary
        ("2024-02-29", "2025-02-27", False),
    ],
)
def test_review_only_from_one_year_after_the_last_conclusion(concluded, applied, ok):
    last = appraisal("初次鉴定", "2024-01-10", concluded=concluded)
    v = judged(row(鉴定类别="复查鉴定", 申请日期=applied), appraisals=[last])
    if ok:
        assert v.errors == []
        return
    assert errors(v) == {(3, "申请日期", "review_too_early")}
    message = v.errors[0].message
    assert concluded in message and applied in message and "第二十八条" in message


def test_review_counts_from_the_latest_conclusion():
    older = appraisal("初次鉴定", "2023-01-10", concluded="2023-02-01")
    newer = appraisal("复查鉴定", "2025-06-01", concluded="2026-01-15")
    v = judged(row(鉴定类别="复查鉴定", 申请日期="2026-11-20"), appraisals=[older, newer])
    assert errors(v) == {(3, "申请日期", "review_too_early")}
    assert "2026-01-15" in v.errors[0].message and "2027-01-15" in v.errors[0].message


@pytest.mark.parametrize(
    ("applied", "code"),
    [
        ("2026-11-01", None),  # the day of the conclusion
        ("2026-11-16", None),  # the 15th day after it
        ("2026-11-17", "reappraisal_too_late"),  # the 16th
        ("2026-10-31", "reappraisal_before_conclusion"),
    ],
)
def test_reappraisal_within_fifteen_days_of_the_conclusion(applied, code):
    last = appraisal("初次鉴定", "2026-09-01", concluded="2026-11-01")
    v = judged(row(鉴定类别="再次鉴定", 申请日期=applied), appraisals=[last])
    if code is None:
        assert v.errors == []
        return
    assert errors(v) == {(3, "申请日期", code)}
    assert "2026-11-01" in v.errors[0].message and applied in v.errors[0].message
    if code == "reappraisal_too_late":
        assert "2026-11-16" in v.errors[0].message and "第二十六条" in v.errors[0].message


def test_review_and_reappraisal_need_a_conclusion():
    for category in ("复查鉴定", "再次鉴定"):
        v = judged(row(鉴定类别=category))
        assert errors(v) == {(3, "鉴定类别", "no_conclusion")}
        assert category in v.errors[0].message


def test_a_reappraisal_conclusion_is_final():
    first = appraisal("初次鉴定", "2026-01-05", concluded="2026-10-01")
    again = appraisal("再次鉴定", "2026-10-10", concluded="2026-11-10")
    v = judged(row(鉴定类别="再次鉴定", 申请日期="2026-11-12"), appraisals=[first, again])
    assert errors(v) == {(3, "鉴定类别", "reappraisal_final")}


def test_nothing_new_while_an_application_is_pending():
    first = appraisal("初次鉴定", "2024-01-05", concluded="2024-03-01")
    waiting = appraisal("复查鉴定", "2026-10-10", state="pending")
    v = judged(row(鉴定类别="复查鉴定", 申请日期="2026-11-12"), appraisals=[first, waiting])
    assert errors(v) == {(3, "鉴定类别", "appraisal_pending")}
    assert "2026-10-10" in v.errors[0].message and "复查鉴定" in v.errors[0].message


def test_summary_of_no_appraisals_is_empty():
    assert summarise(pd.DataFrame(columns=APPRAISAL_COLUMNS)).empty
