"""统一社会信用代码 check character (GB 32100-2015)."""

from __future__ import annotations

import pandas as pd
import pytest

from validators import creditcode

# Published codes of two large companies, and codes built here from a registration
# authority code (9 = 工商), a type (1 = 企业), an area code and an organisation code.
PUBLISHED = ["914403001922038216", "91330100716105852F"]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert creditcode.is_valid(code)
    assert creditcode.check_char(code[:17]) == code[17]


def test_check_char_makes_the_weighted_sum_a_multiple_of_31():
    for first17 in ("91330604MA2JT1XX0", "91330682000000001", "12330604470112345"):
        code = first17 + creditcode.check_char(first17)
        values = [creditcode.CODE_CHARS.index(c) for c in code]
        assert (
            sum(v * w for v, w in zip(values[:17], creditcode.WEIGHTS, strict=True)) + values[17]
        ) % 31 == 0
        assert creditcode.is_valid(code)


def test_weights_are_powers_of_three_mod_31():
    assert creditcode.WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038217",  # wrong check character
        "91440300192203821",  # 17 characters
        "9144030019220382166",  # 19 characters
        "91440300I92203821X",  # I is not in the code set
        "91330100716105852O",  # neither is O
    ],
)
def test_wrong_codes_are_refused(code):
    assert not creditcode.is_valid(code)


def test_lower_case_letters_read_as_capitals():
    assert creditcode.is_valid("91330100716105852f")


def test_columns_leave_blank_cells_alone_and_split_shape_from_checksum():
    col = pd.Series(["", "914403001922038216", "914403001922038217", "12345"])
    assert creditcode.shape_ok(col).tolist() == [True, True, True, False]
    assert creditcode.checksum_ok(col).tolist() == [True, True, False, True]
