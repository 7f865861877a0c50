"""人员减少 reason 退休 at each boundary: before the original age an error, from it until
the statutory age 弹性提前退休 (a warning, and the row goes to review), from the
statutory age on plain."""

from __future__ import annotations

import pytest

from importer.kinds import get_kind
from tests.unit.kind_support import codes, enrolment, judge, judgement, make_id

pytestmark = pytest.mark.unit

KIND = get_kind("person_remove")
# A man born 1966-06: original age 60 in 2026-06, statutory 60 + 5 months = 2026-11.
MAN = make_id("19660610", "171")
# Women born 1976-03: workers 50 in 2026-03, statutory 2026-11 (idx 15, one month's
# delay per 2 months of birth: 8); cadres 55 in 2031-03.
WOMAN = make_id("19760301", "122")


def retiring(pid: str, month: str) -> dict[str, str]:
    return {"姓名": "张三", "证件号码": pid, "减少原因": "退休", "停保年月": month}


def outcome(pid: str, month: str, **person: str) -> tuple[set, list, bool]:
    state = [enrolment(pid, "110", "200001", **person)]
    v = judge("person_remove", [retiring(pid, month)], state)
    review = KIND.review(judgement("person_remove", [retiring(pid, month)], state))
    return codes(v), [(w.row, w.column, w.code, w.severity) for w in v.warnings], bool(review[3])


MAN_FACTS = {"birth": "1966-06-10"}
FLEXIBLE = [(3, "减少原因", "flexible_early_retirement", "warning")]


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("202605", ({(3, "减少原因", "retire_too_early")}, [], False)),  # before 60
        ("202606", (set(), FLEXIBLE, True)),  # 60: the original age
        ("202610", (set(), FLEXIBLE, True)),  # the month before the statutory age
        ("202611", (set(), [], False)),  # statutory age
        ("202612", (set(), [], False)),
    ],
)
def test_a_man_at_each_boundary(month, expected):
    assert outcome(MAN, month, **MAN_FACTS) == expected


@pytest.mark.parametrize(
    ("identity", "month", "expected"),
    [
        ("工人", "202602", ({(3, "减少原因", "retire_too_early")}, [], False)),
        ("工人", "202603", (set(), FLEXIBLE, True)),
        ("工人", "202610", (set(), FLEXIBLE, True)),
        ("工人", "202611", (set(), [], False)),
        ("干部", "202612", ({(3, "减少原因", "retire_too_early")}, [], False)),
    ],
)
def test_women_workers_and_cadres(identity, month, expected):
    facts = {"gender": "女", "birth": "1976-03-01", "identity": identity}
    assert outcome(WOMAN, month, **facts) == expected


def test_before_the_reform_the_original_age_is_the_statutory_one():
    man = make_id("19630110", "171")  # 60 in 2023-01, no delay
    assert outcome(man, "202301", birth="1963-01-10") == (set(), [], False)
    assert outcome(man, "202212", birth="1963-01-10")[0] == {(3, "减少原因", "retire_too_early")}


def test_messages_name_the_months():
    state = [enrolment(MAN, "110", "200001", **MAN_FACTS)]
    early = judge("person_remove", [retiring(MAN, "202605")], state).errors[0].message
    assert "2026年6月" in early and "2026年11月" in early and "2026年5月" in early
    flexible = judge("person_remove", [retiring(MAN, "202608")], state).warnings[0].message
    assert "弹性提前退休" in flexible and "2026年11月" in flexible and "审核" in flexible


def test_other_reasons_are_never_reviewed():
    state = [enrolment(MAN, "110", "200001", **MAN_FACTS)]
    rows = [{**retiring(MAN, "202608"), "减少原因": "辞职"}]
    assert not KIND.review(judgement("person_remove", rows, state)).any()
    assert judge("person_remove", rows, state).warnings == []


# A woman worker born 1985-01: the reform delays her 60 months (idx 121, one month per 2),
# so statutory 55 in 2040-01; 50 (2035-01) is more than 3 years before it, and 弹性提前退休
# starts 3 years early, 2037-01 (人社部发〔2024〕94号: at most 3 years, never below 50).
LATE_WORKER = make_id("19850101", "122")


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("203501", ({(3, "减少原因", "retire_too_early")}, [], False)),  # 50, 5 years early
        ("203612", ({(3, "减少原因", "retire_too_early")}, [], False)),  # 3 years 1 month
        ("203701", (set(), FLEXIBLE, True)),  # exactly 3 years early
        ("203912", (set(), FLEXIBLE, True)),
        ("204001", (set(), [], False)),  # statutory age
    ],
)
def test_flexible_retirement_is_at_most_three_years_early(month, expected):
    facts = {"gender": "女", "birth": "1985-01-01", "identity": "工人"}
    assert outcome(LATE_WORKER, month, **facts) == expected


def test_too_early_names_the_earliest_flexible_month():
    facts = {"gender": "女", "birth": "1985-01-01", "identity": "工人"}
    state = [enrolment(LATE_WORKER, "110", "200001", **facts)]
    error = judge("person_remove", [retiring(LATE_WORKER, "203601")], state).errors[0]
    assert "2037年1月" in error.message and "2040年1月" in error.message
    assert "2035年1月" in error.message  # the original age, which alone is not enough
