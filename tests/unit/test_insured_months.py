"""Months insured from pension enrolments (单位到龄人员, 退休人员档案): an active one runs
on to the month counted to, overlapping ones count each month once."""

from __future__ import annotations

from registry.queries.retire import months_until


def test_an_active_enrolment_runs_to_the_month_counted_to():
    assert months_until([(100, None)], 112) == 12
    assert months_until([(100, None)], 90) == 0  # starts later


def test_a_stopped_enrolment_ends_at_its_end():
    assert months_until([(100, 106)], 112) == 6
    assert months_until([(100, 106)], 103) == 3


def test_overlapping_enrolments_count_each_month_once():
    # 100-109 and 105-119 (one active): 100-119 before 120 is 20 months, not 25.
    assert months_until([(105, None), (100, 110)], 120) == 20
    # Gaps stay gaps: 100-104 and 110-114.
    assert months_until([(110, 115), (100, 105)], 200) == 10
    # One inside another.
    assert months_until([(100, 130), (110, 120)], 200) == 30
