"""The monthly beat: which months it assesses, and that beat runs it on the 1st."""

from __future__ import annotations

import datetime as dt

import pytest

from worker.assess_task import TASK_NAME, months_to_assess

pytestmark = pytest.mark.unit


def test_months_reach_back_across_the_year():
    assert months_to_assess(dt.date(2027, 1, 1)) == ["202612", "202701"]
    twelve = months_to_assess(dt.date(2027, 1, 1), 12)
    assert twelve[0] == "202601" and twelve[-1] == "202701" and len(twelve) == 13
    assert twelve[11:] == ["202612", "202701"]


def test_beat_runs_the_assessment_on_the_first_of_each_month():
    from shebao.settings import load_settings
    from worker.app import celery_config

    schedule = celery_config(load_settings())["beat_schedule"]["assess-monthly"]
    assert schedule["task"] == TASK_NAME
    assert schedule["schedule"].day_of_month == {1}
