"""Rows of a pre-filled template nobody touched: which rows count as untouched, per kind."""

from __future__ import annotations

import pytest

from importer.kinds import KINDS, get_kind
from importer.layout import skip_untouched

pytestmark = pytest.mark.unit


def test_action_columns_are_the_required_columns_not_prefilled():
    assert get_kind("person_remove").action_columns == ("减少原因", "停保年月")
    assert get_kind("insurance_add").action_columns == ("险种", "开始年月")
    assert get_kind("insurance_remove").action_columns == ("险种", "停止年月", "减少原因")
    assert get_kind("person_add").action_columns == ()


def test_every_prefillable_kind_says_which_columns_come_filled():
    for name, kind in KINDS.items():
        assert (kind.prefill is None) == (not kind.prefilled_columns), name
        assert set(kind.prefilled_columns) <= set(kind.spec.headers), name


def test_rows_with_every_action_blank_are_skipped_the_others_kept():
    header = ["姓名", "证件号码", "减少原因", "停保年月", "备注", "部门"]
    rows = [
        ["张三", "1", "", "", "", ""],  # 3 untouched
        ["李四", "2", "辞职", "", "", ""],  # 4 in part: kept, judged
        ["王五", "3", "", " ", "留用", "车间"],  # 5 a note and own column only: untouched
        ["赵六", "4", "退休", "202611", "", ""],  # 6
    ]
    numbers = [3, 4, 5, 6]
    standard = {h: i for i, h in enumerate(header)}
    skipped = skip_untouched(("减少原因", "停保年月"), standard, rows, numbers)
    assert skipped == [3, 5]
    assert numbers == [4, 6] and [r[0] for r in rows] == ["李四", "赵六"]


def test_kinds_without_prefill_skip_nothing():
    rows = [["张三", "1", "", ""]]
    assert skip_untouched((), {"姓名": 0, "证件号码": 1}, rows, [3]) == []
    assert len(rows) == 1
