"""Edge cases of sheet validation: mistyped IDs without a document type, future dates,
and a check that breaks (a bug of ours must never let rows pass unjudged)."""

import datetime as dt

import pandas as pd
import pytest

from importer.kinds.person_add import RULES as ADD_RULES
from importer.kinds.person_add import SPEC as PERSON_ADD
from importer.kinds.person_remove import RULES as REMOVE_RULES
from importer.kinds.person_remove import SPEC as PERSON_REMOVE
from validators import row_rules
from validators.context import RuleContext
from validators.errors import ValidationSetupError
from validators.sheet import validate_sheet

pytestmark = pytest.mark.unit
CTX = RuleContext(today=dt.date(2026, 11, 29))


def _frame(spec, rows, first_row=3):
    return pd.DataFrame(
        rows, columns=spec.headers, index=range(first_row, first_row + len(rows)), dtype="str"
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("330682199003150018", True),
        ("E12345678", True),  # a passport number
        ("33068219900315131X1", False),  # 19 characters: an ID with one too many
        ("3306821990031513X", False),  # 17 characters ending in X
        ("33068219900315", False),  # 14 digits
    ],
)
def test_untyped_ids_that_look_like_resident_ids_must_be_complete(value, ok):
    assert bool(row_rules.untyped_id_shape(pd.Series([value], dtype="str")).iloc[0]) is ok


def test_a_birth_date_in_the_future_is_an_error():
    row = dict(zip(PERSON_ADD.headers, PERSON_ADD.example, strict=True))
    row.update(证件类型="护照", 证件号码="E12345678", 出生日期="2030-01-01")
    errors = validate_sheet(ADD_RULES, _frame(PERSON_ADD, [list(row.values())]), CTX, {})
    assert ("出生日期", "date_in_future") in {(e.column, e.code) for e in errors}


def test_a_check_that_breaks_is_raised_not_passed(monkeypatch):
    def broken(df):
        raise RuntimeError("boom")

    monkeypatch.setattr(row_rules, "unique_ids", broken)
    df = _frame(PERSON_REMOVE, [list(PERSON_REMOVE.example)])
    with pytest.raises(ValidationSetupError):
        validate_sheet(REMOVE_RULES, df, CTX, {})
