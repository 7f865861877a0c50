"""Resident ID numbers (GB 11643-1999): check character, 15→18 upgrade, vectorised parts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators import idcard

pytestmark = pytest.mark.unit

DIGITS = "0123456789"
ID_CHARS = DIGITS + "X"

seventeen_digits = st.text(alphabet=DIGITS, min_size=17, max_size=17)
fifteen_digits = st.text(alphabet=DIGITS, min_size=15, max_size=15)


def _reference_check_char(first17: str) -> str:
    """The GB 11643 check character computed straight from DOMAIN.md's definition."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


@st.composite
def valid_ids(draw) -> str:
    first17 = draw(seventeen_digits)
    return first17 + idcard.check_char(first17)


@st.composite
def real_ids(draw) -> str:
    """A valid ID with a real birth date, any sex."""
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 11, 29)))
    area = draw(st.text(alphabet=DIGITS, min_size=6, max_size=6))
    seq = draw(st.text(alphabet=DIGITS, min_size=3, max_size=3))
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + idcard.check_char(first17)


# --- scalar ---------------------------------------------------------------------------


def test_domain_example_is_valid():
    assert idcard.is_valid_id18("11010519491231002X")
    assert idcard.check_char("11010519491231002") == "X"


def test_domain_example_with_another_last_char_is_invalid():
    for last in "0123456789":
        assert not idcard.is_valid_id18("11010519491231002" + last)


def test_lowercase_x_is_not_valid_before_normalisation():
    # Normalisation upper-cases it; the validator itself only accepts `X`.
    assert not idcard.is_valid_id18("11010519491231002x")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",  # 17
        "11010519491231002XX",  # 19
        "11010519491231002X\n",  # trailing newline must not slip through `$`
        " 11010519491231002X",
        "1101051949123100X2",  # X not last
        "A1010519491231002X",
        "１１０１０５１９４９１２３１００２X",  # full-width digits (normalised upstream)
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits
        "3.30682198001012E+17",
    ],
)
def test_malformed_values_are_invalid(value):
    assert not idcard.is_valid_id18(value)


def test_domain_example_15_digit_upgrade():
    assert idcard.upgrade_id15("330682800101123") == "330682198001011239"


@given(seventeen_digits)
def test_check_char_matches_the_definition(first17):
    assert idcard.check_char(first17) == _reference_check_char(first17)


@given(seventeen_digits)
def test_appending_the_check_char_gives_a_valid_id(first17):
    assert idcard.is_valid_id18(first17 + idcard.check_char(first17))


@given(seventeen_digits, st.sampled_from(ID_CHARS + "xY "))
def test_any_other_last_char_is_invalid(first17, last):
    good = idcard.check_char(first17)
    if last != good:
        assert not idcard.is_valid_id18(first17 + last)


@given(valid_ids(), st.integers(0, 16), st.sampled_from(DIGITS))
def test_changing_one_digit_breaks_the_check(value, pos, digit):
    # GB 11643's weights are all non-zero mod 11, so any single-digit change is caught.
    changed = value[:pos] + digit + value[pos + 1 :]
    assert idcard.is_valid_id18(changed) == (changed == value)


@given(fifteen_digits)
def test_upgrade_id15_gives_a_valid_18_char_id(old):
    new = idcard.upgrade_id15(old)
    assert len(new) == 18
    assert idcard.is_valid_id18(new)
    assert new[:6] == old[:6]
    assert new[6:8] == "19"
    assert new[8:17] == old[6:]


# --- vectorised == scalar -------------------------------------------------------------


@given(st.lists(valid_ids(), max_size=30))
def test_check_chars_of_agrees_with_check_char(ids):
    series = pd.Series(ids, index=range(7, 7 + len(ids)), dtype=object)
    got = idcard.check_chars_of(series)
    assert list(got.index) == list(series.index)
    assert got.tolist() == [idcard.check_char(v[:17]) for v in ids]


@given(st.lists(st.text(alphabet=DIGITS, min_size=18, max_size=18), max_size=30))
def test_check_chars_of_judges_only_the_first_17(ids):
    series = pd.Series(ids, dtype=object)
    assert idcard.check_chars_of(series).tolist() == [idcard.check_char(v[:17]) for v in ids]


def test_check_chars_of_empty_series():
    got = idcard.check_chars_of(pd.Series([], dtype=object))
    assert got.empty


@given(st.lists(real_ids(), min_size=1, max_size=30))
def test_birth_dates_of_agrees_with_the_digits(ids):
    series = pd.Series(ids, index=range(3, 3 + len(ids)), dtype=object)
    got = idcard.birth_dates_of(series)
    assert list(got.index) == list(series.index)
    expected = [dt.datetime.strptime(v[6:14], "%Y%m%d").date() for v in ids]
    assert [t.date() for t in got] == expected


@given(st.lists(real_ids(), min_size=1, max_size=30))
def test_genders_of_agrees_with_the_17th_digit(ids):
    series = pd.Series(ids, index=range(3, 3 + len(ids)), dtype=object)
    got = idcard.genders_of(series)
    assert list(got.index) == list(series.index)
    assert got.tolist() == ["男" if int(v[16]) % 2 else "女" for v in ids]


def test_birth_dates_of_impossible_dates_are_nat():
    ids = pd.Series(
        ["330682" + b + "1231" for b in ("19000229", "20230230", "19991301", "20000229")]
    )
    got = idcard.birth_dates_of(ids)
    assert got.isna().tolist() == [True, True, True, False]


def test_genders_of_domain_example_is_female():
    assert idcard.genders_of(pd.Series(["11010519491231002X"])).tolist() == ["女"]


@given(st.lists(st.text(alphabet=ID_CHARS, min_size=18, max_size=18), max_size=30))
def test_vectorised_validity_agrees_with_is_valid_id18(values):
    series = pd.Series(values, dtype=object)
    shaped = series.str.fullmatch(idcard.ID18_PATTERN.pattern)
    vector_ok = pd.Series(False, index=series.index)
    if shaped.any():
        vector_ok[shaped] = idcard.check_chars_of(series[shaped]).eq(series[shaped].str[17])
    assert vector_ok.tolist() == [idcard.is_valid_id18(v) for v in values]
