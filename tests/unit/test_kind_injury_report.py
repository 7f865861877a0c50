"""工伤事故申报 rules, each at its boundary: the sheet checks (pandera model, normaliser),
the late-report warning, and the registry judgement against a given state."""

from __future__ import annotations

import datetime as dt
import string

import pandas as pd
import pytest

from importer.kinds.base import Judgement, RegistryVerdict
from importer.kinds.injury_report import (
    KIND,
    SPEC,
    ReportState,
    covered_rows,
    describe_insurance,
    late_warnings,
)
from importer.normalise import normalise
from registry.state import STATE_COLUMNS
from validators import idcard
from validators.context import RuleContext
from validators.sheet import validate_sheet

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 11, 29)
CTX = RuleContext(today=TODAY, employer_code="12345678")
HEADERS = SPEC.headers
LETTERS = {h: string.ascii_uppercase[i] for i, h in enumerate(HEADERS)}
EMPLOYER = 1
STORY = "在二号车间操作冲床更换模具时, 左手食指被模具夹伤。"


def make_id(born: str = "19900315", seq: str = "131") -> str:
    first17 = f"330682{born}{seq}"
    return first17 + idcard.check_char(first17)


WORKER = make_id()


def row(**cells: str) -> dict[str, str]:
    """A valid row: the template example for WORKER, accident 2026-11-20."""
    values = dict(zip(HEADERS, SPEC.example, strict=True))
    values.update({"证件号码": WORKER, "事故发生日期": "2026-11-20", "事故经过": STORY})
    values.update(cells)
    return values


def sheet(*rows: dict[str, str]) -> pd.DataFrame:
    """The rows normalised, indexed by Excel row (data from row 3)."""
    raw = pd.DataFrame(list(rows), index=range(3, 3 + len(rows)), dtype="str")
    df, _ = normalise(raw, SPEC, LETTERS)
    return df


def codes_of(*rows: dict[str, str]) -> set[tuple[int, str, str]]:
    return {
        (e.row, e.column, e.code) for e in validate_sheet(KIND.rules, sheet(*rows), CTX, LETTERS)
    }


# --------------------------------------------------------------------------- sheet checks


def test_a_valid_row_has_no_error():
    assert codes_of(row()) == set()


def test_required_cells():
    for column in ("事故发生地点", "事故类别", "受伤部位", "事故经过", "就诊医疗机构"):
        assert codes_of(row(**{column: ""})) == {(3, column, "required")}, column
    assert codes_of(row(联系电话="")) == set()


def test_description_needs_twenty_characters():
    assert codes_of(row(事故经过="一" * 20)) == set()
    ((r, column, code),) = codes_of(row(事故经过="一" * 19))
    assert (r, column, code) == (3, "事故经过", "too_short")
    (error,) = validate_sheet(KIND.rules, sheet(row(事故经过="手被夹伤")), CTX, LETTERS)
    assert "至少要写 20 个字" in error.message and "只有 4 个" in error.message


def test_accident_date_not_in_the_future_today_is_fine():
    assert codes_of(row(事故发生日期="2026-11-29")) == set()
    assert codes_of(row(事故发生日期="2026-11-30")) == {(3, "事故发生日期", "date_in_future")}


def test_accident_date_spellings_are_normalised():
    df = sheet(
        row(事故发生日期="2026/11/5"), row(事故发生日期="46326"), row(事故发生日期="2026年11月6日")
    )
    assert df["事故发生日期"].tolist() == ["2026-11-05", "2026-10-31", "2026-11-06"]


def test_category_from_the_list():
    assert codes_of(row(事故类别="上下班交通事故")) == set()
    assert codes_of(row(事故类别="交通事故")) == {(3, "事故类别", "not_in_list")}


def test_phone_when_given():
    assert codes_of(row(联系电话="0575-82123456")) == set()
    assert codes_of(row(联系电话="12345")) == {(3, "联系电话", "phone_format")}


def test_one_row_per_accident_but_two_accidents_of_one_person_are_fine():
    assert codes_of(row(), row(事故发生日期="2026-11-21")) == set()
    assert codes_of(row(), row(事故发生日期="2026/11/20")) == {
        (3, "证件号码", "duplicate_accident"),
        (4, "证件号码", "duplicate_accident"),
    }


def test_bad_id():
    assert codes_of(row(证件号码=WORKER[:17] + ("0" if WORKER[17] != "0" else "1"))) == {
        (3, "证件号码", "id_checksum")
    }


# --------------------------------------------------------------------------- late warning


class _Verdict:
    def __init__(self, df: pd.DataFrame):
        self.df, self.letters, self.issues = df, LETTERS, []

    def candidates(self) -> pd.Index:
        return self.df.index


@pytest.mark.parametrize(
    ("accident", "late_days"),
    [("2026-10-30", None), ("2026-10-29", 31), ("2026-11-29", None), ("2025-11-29", 365)],
)
def test_reported_more_than_thirty_days_after_is_a_warning(accident, late_days):
    verdict = _Verdict(sheet(row(事故发生日期=accident)))
    late_warnings(verdict, CTX)
    if late_days is None:
        assert verdict.issues == []
        return
    (w,) = verdict.issues
    assert (w.row, w.column, w.letter, w.code, w.severity) == (
        3, "事故发生日期", "C", "injury_reported_late", "warning"
    )  # fmt: skip
    assert f"已过 {late_days} 天" in w.message and "第十七条" in w.message
    assert "由本单位负担" in w.message and accident in w.message


# --------------------------------------------------------------------------- registry judgement


def enrolment(start: str, end: str | None = None, employer: int = EMPLOYER, ins: str = "410"):
    return {
        "person_id": WORKER, "reg_name": "张伟", "reg_gender": "男", "reg_birth": None,
        "reg_identity": "工人", "employer_id": employer, "employer_name": "x",
        "insurance": ins, "start_month": start, "end_month": end,
        "status": "stopped" if end else "active", "stop_reason": "辞职" if end else None,
    }  # fmt: skip


def judged(df: pd.DataFrame, *enrolments: dict, injuries=None) -> RegistryVerdict:
    persons = pd.DataFrame(list(enrolments), columns=STATE_COLUMNS)
    found = injuries if injuries is not None else reported().iloc[0:0]
    v = RegistryVerdict()
    KIND.judge(Judgement(df, ReportState(persons, found), EMPLOYER, CTX, LETTERS), v)
    return v


def error_codes(v: RegistryVerdict) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.code) for e in v.errors}


def test_insurance_starting_in_the_month_of_the_accident_covers_it():
    df = sheet(row(事故发生日期="2026-11-01"), row(事故发生日期="2026-10-31"))
    v = judged(df, enrolment("202611"))
    assert error_codes(v) == {(4, "事故发生日期", "injury_not_insured")}
    (e,) = v.errors
    assert "2026年10月" in e.message and "本单位工伤保险: 2026年11月起" in e.message


def test_insurance_stopped_before_the_accident_month_does_not_cover_it():
    df = sheet(row(事故发生日期="2026-09-30"), row(事故发生日期="2026-10-01"))
    v = judged(df, enrolment("202512", "202609"))
    assert error_codes(v) == {(4, "事故发生日期", "injury_not_insured")}
    assert "2025年12月至2026年9月" in v.errors[0].message


def test_other_insurances_or_other_employers_do_not_count():
    df = sheet(row())
    v = judged(df, enrolment("202601", ins="110"), enrolment("202601", employer=2))
    assert error_codes(v) == {(3, "事故发生日期", "injury_not_insured")}
    assert "没有此人在本单位的工伤保险记录" in v.errors[0].message
    assert error_codes(judged(df)) == {(3, "事故发生日期", "injury_not_insured")}


def test_any_of_several_enrolments_may_cover_the_accident():
    df = sheet(row(事故发生日期="2026-03-15"), row(事故发生日期="2026-06-15"))
    v = judged(df, enrolment("202512", "202602"), enrolment("202605"))
    assert error_codes(v) == {(3, "事故发生日期", "injury_not_insured")}
    assert "2025年12月至2026年2月、2026年5月起" in v.errors[0].message


def test_registered_name_must_match():
    v = judged(sheet(row(姓名="张三")), enrolment("202601"))
    assert error_codes(v) == {(3, "姓名", "name_mismatch")}


def reported(state: str = "approved", employer: int = EMPLOYER, **changes) -> pd.DataFrame:
    """An injury of WORKER on 2026-11-20 as the injuries table holds the row() report."""
    values = {
        "id": 1, "injury_no": "GS202600001" if state == "approved" else None,
        "person_id": WORKER, "employer_id": employer, "accident_date": dt.date(2026, 11, 20),
        "state": state, "outcome": "认定工伤" if state == "approved" else None,
        "decided_at": dt.datetime(2026, 11, 25, 9, 30) if state == "approved" else None,
        "place": SPEC.example[3], "category": SPEC.example[4], "body_part": SPEC.example[5],
        "description": STORY, "hospital": SPEC.example[7], "phone": SPEC.example[8],
    }  # fmt: skip
    values.update(changes)
    return pd.DataFrame([values])


@pytest.mark.parametrize("state", ["approved", "pending"])
def test_an_accident_reported_here_with_the_same_cells_is_unchanged(state):
    v = judged(sheet(row()), enrolment("202601"), injuries=reported(state))
    assert v.unchanged == {3} and v.errors == []
    v = judged(sheet(row(联系电话="")), enrolment("202601"), injuries=reported(state, phone=None))
    assert v.unchanged == {3} and v.errors == []


def test_an_accident_reported_here_with_other_cells_is_an_error():
    v = judged(sheet(row(受伤部位="右手")), enrolment("202601"), injuries=reported())
    assert error_codes(v) == {(3, "事故发生日期", "injury_already_decided")}
    message = v.errors[0].message
    assert "GS202600001" in message and "2026-11-25" in message and "认定工伤" in message
    v = judged(sheet(row(受伤部位="右手")), enrolment("202601"), injuries=reported("pending"))
    assert error_codes(v) == {(3, "事故发生日期", "injury_already_reported")}
    assert "撤回原申报" in v.errors[0].message and v.unchanged == set()


def test_a_rejected_report_or_another_employers_does_not_count():
    for found in (reported("rejected"), reported(employer=2)):
        v = judged(sheet(row()), enrolment("202601"), injuries=found)
        assert v.unchanged == set() and v.errors == []
    # ... but the other employer's is no insurance here either.
    assert error_codes(judged(sheet(row()), injuries=reported(employer=2))) == {
        (3, "事故发生日期", "injury_not_insured")
    }


def test_name_checked_even_when_unchanged():
    v = judged(sheet(row(姓名="张三")), enrolment("202601"), injuries=reported())
    assert error_codes(v) == {(3, "姓名", "name_mismatch")} and v.unchanged == set()


def test_covered_rows_and_the_description_directly():
    df = sheet(row(事故发生日期="2026-01-31"))
    spans = pd.DataFrame(
        {"person_id": [WORKER], "start_month": ["202601"], "end_month": ["202601"]}
    )
    assert covered_rows(df, spans) == {3}
    assert describe_insurance(spans) == "本单位工伤保险: 2026年1月至2026年1月"
