"""The likely-cause sentence above the errors chart."""

from collections import Counter

import pytest

from registry.batch_queries import ColumnIssues
from web.causes import likely_cause

pytestmark = pytest.mark.unit


def _column(**codes: int) -> ColumnIssues:
    return ColumnIssues("证件号码", "C", errors=sum(codes.values()), codes=Counter(codes))


def test_names_the_cause_that_holds_most_errors_of_the_column():
    sentence = likely_cause([_column(id_excel_number=8, duplicate_in_sheet=2)])
    assert "共 10 处错误, 其中 10 处在「C 证件号码」列" in sentence
    assert "Excel 转成了数字" in sentence


def test_a_tie_between_two_causes_names_neither():
    sentence = likely_cause([_column(id_excel_number=1, id_checksum=1)])
    assert "Excel" not in sentence and "校验位" not in sentence
    assert "请先检查这一列" in sentence


def test_followers_of_a_cause_do_not_make_a_tie():
    # IDs turned into numbers also collide as duplicates: still the Excel cause.
    sentence = likely_cause([_column(id_excel_number=60, duplicate_in_sheet=60)])
    assert "Excel 转成了数字" in sentence


def test_no_sentence_when_errors_are_spread_over_columns():
    spread = [
        _column(id_checksum=2),
        ColumnIssues("姓名", "A", errors=2, codes=Counter(person_name=2)),
    ]
    assert likely_cause(spread) is None
