"""Cross-field rules of a 人员增加 row, called directly on small DataFrames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from importer.kinds.person_add import SPEC as PERSON_ADD
from validators import idcard, row_rules
from validators.context import RuleContext

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 11, 29)
CTX = RuleContext(today=TODAY)
TS_TODAY = pd.Timestamp(TODAY)


def make_id(born: str, seq: str = "131", area: str = "330682") -> str:
    """A valid 18-character ID: odd `seq` for a man, even for a woman."""
    first17 = f"{area}{born}{seq}"
    return first17 + idcard.check_char(first17)


MAN_1990 = make_id("19900315", "131")


def person(**overrides: str) -> dict[str, str]:
    """A valid 人员增加 row: the template example turned into a man born 1990-03-15."""
    row = dict(zip(PERSON_ADD.headers, PERSON_ADD.example, strict=True))
    row.update(
        {"证件号码": MAN_1990, "性别": "男", "出生日期": "1990-03-15", "参加工作日期": "2010-07-01"}
    )
    row.update(overrides)
    return row


def frame(*rows: dict[str, str], first_row: int = 3) -> pd.DataFrame:
    index = range(first_row, first_row + len(rows))
    return pd.DataFrame(list(rows), index=index, columns=PERSON_ADD.headers, dtype=object)


def test_helper_row_is_valid_everywhere():
    df = frame(person())
    for rule in (
        row_rules.valid_ids,
        row_rules.gender_matches_id,
        row_rules.birth_matches_id,
        row_rules.work_after_birth,
        row_rules.unique_ids,
    ):
        assert rule(df).all(), rule.__name__
    assert row_rules.old_enough(df, CTX).all()
    for column in row_rules.RETIREMENT_BARRED:
        assert row_rules.insurance_before_retirement(df, CTX, column).all(), column


# --- helpers --------------------------------------------------------------------------


def test_only_where():
    mask = pd.Series([True, True, False, False])
    ok = pd.Series([True, False, True, False])
    assert row_rules.only_where(mask, ok).tolist() == [True, False, True, True]


def test_gb_typed():
    df = frame(
        person(证件类型=""),
        person(证件类型="居民身份证"),
        person(证件类型="港澳台居民居住证"),
        person(证件类型="外国人永久居留身份证"),
        person(证件类型="护照"),
    )
    assert row_rules.gb_typed(df).tolist() == [True, True, True, False, False]


def test_valid_ids():
    df = frame(
        person(),
        person(证件号码=MAN_1990[:17] + ("0" if MAN_1990[17] != "0" else "1")),
        person(证件号码=MAN_1990[:17]),
        person(证件号码="3.30682198001012E+17"),
        person(证件号码=""),
        person(证件类型="护照"),  # a valid GB number, but not a GB-typed document
        person(证件号码=make_id("20230230")),  # impossible birth date
        person(证件号码=make_id("18991231")),  # before 1900
        person(证件号码=make_id("20270101")),  # in the future
    )
    assert row_rules.valid_ids(df, TS_TODAY).tolist() == [True] + [False] * 8
    # Without a today, only the future birth date is accepted.
    assert row_rules.valid_ids(df).tolist() == [True] + [False] * 7 + [True]


def test_untyped_id_shape():
    col = pd.Series(
        [
            MAN_1990,
            "",
            "3.30682198001012E+17",
            "E12345678",
            "AB123",
            "12345",  # digits only, not 18 long
            "33068219900315131",  # 17 digits
            "3306821990031513111",  # 19 digits
            "AB-12345",
            "AB12",
        ],
        dtype=object,
    )
    expected = [True, True, True, True, True, False, False, False, False, False]
    assert row_rules.untyped_id_shape(col).tolist() == expected


# --- birth dates and the ID -----------------------------------------------------------


def test_birth_dates_prefers_the_typed_date_and_falls_back_to_the_id():
    df = frame(
        person(),
        person(出生日期="1991-01-01"),  # typed wins, even when it disagrees
        person(出生日期=""),  # from the ID
        person(出生日期="2023-02-29"),  # invalid typed date: from the ID
        person(出生日期="", 证件号码="bad"),  # neither
        person(出生日期="", 证件号码=make_id("20270101")),  # future ID date is not used
    )
    got = row_rules.birth_dates(df, TS_TODAY)
    assert got.iloc[:4].dt.strftime("%Y-%m-%d").tolist() == [
        "1990-03-15",
        "1991-01-01",
        "1990-03-15",
        "1990-03-15",
    ]
    assert got.iloc[4:].isna().all()


def test_gender_matches_id():
    woman = make_id("19900315", "122")
    df = frame(
        person(),
        person(性别="女"),
        person(证件号码=woman, 性别="女"),
        person(证件号码=woman, 性别="男"),
        person(性别=""),  # not judged: required's business
        person(性别="X"),  # not judged: not_in_list's business
        person(性别="女", 证件号码="bad"),  # not judged: bad ID
        person(性别="女", 证件号码=MAN_1990[:17] + "0"),  # not judged: bad check digit
        person(性别="女", 证件号码=make_id("20230230")),  # not judged: bad birth date
        person(性别="女", 证件类型="护照"),  # not judged: not a GB 11643 document
    )
    expected = [True, False, True, False, True, True, True, True, True, True]
    assert row_rules.gender_matches_id(df, TS_TODAY).tolist() == expected


def test_birth_matches_id():
    df = frame(
        person(),
        person(出生日期="1990-03-16"),
        person(出生日期=""),
        person(出生日期="2023-02-29"),  # not judged: date_format's business
        person(出生日期="1991-01-01", 证件号码="bad"),
        person(出生日期="1991-01-01", 证件号码=make_id("20270101")),
        person(出生日期="1991-01-01", 证件号码=make_id("20230230")),
        person(出生日期="1991-01-01", 证件类型="外国人永久居留身份证", 证件号码="USA123456789012"),
    )
    expected = [True, False, True, True, True, True, True, True]
    assert row_rules.birth_matches_id(df, TS_TODAY).tolist() == expected


def test_work_after_birth():
    df = frame(
        person(),
        person(参加工作日期="1990-03-15"),  # the same day is not "before"
        person(参加工作日期="1990-03-14"),
        person(参加工作日期=""),
        person(参加工作日期="2023-02-29"),
        person(参加工作日期="1989-01-01", 出生日期=""),  # born from the ID
        person(参加工作日期="1989-01-01", 出生日期="", 证件号码="bad"),  # birth unknown
    )
    expected = [True, True, False, True, True, False, True]
    assert row_rules.work_after_birth(df, TS_TODAY).tolist() == expected


# --- months ---------------------------------------------------------------------------


def test_month_not_after_next():
    col = pd.Series(["202611", "202612", "202701", "209901", "", "202613", "2027-01"])
    expected = [True, True, False, False, True, True, True]
    assert row_rules.month_not_after_next(col, CTX).tolist() == expected


def test_month_not_too_early():
    col = pd.Series(["202611", "202511", "202510", "190001", "", "202500"])
    expected = [True, True, False, False, True, True]
    assert row_rules.month_not_too_early(col, CTX).tolist() == expected


def test_month_window_follows_the_context():
    ctx = RuleContext(today=dt.date(2026, 12, 1), backdate_months=3)
    col = pd.Series(["202701", "202702", "202609", "202608"])
    assert row_rules.month_not_after_next(col, ctx).tolist() == [True, False, True, True]
    assert row_rules.month_not_too_early(col, ctx).tolist() == [True, True, True, False]


# --- age ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "month", "ok"),
    [
        ("2010-11-30", "202611", True),  # turns 16 within the month of enrolment
        ("2010-12-01", "202611", False),
        ("2010-12-01", "202612", True),
        ("2011-01-01", "202612", False),
        ("1990-03-15", "202611", True),
    ],
)
def test_old_enough(born, month, ok):
    df = frame(person(证件号码=make_id(born.replace("-", "")), 出生日期=born, 参保年月=month))
    assert row_rules.old_enough(df, CTX).tolist() == [ok]


def test_old_enough_ignores_unknowns():
    df = frame(
        person(参保年月=""),
        person(参保年月="202613"),
        person(出生日期="", 证件号码="bad"),
    )
    assert row_rules.old_enough(df, CTX).all()


def test_old_enough_honours_min_age_of_the_context():
    df = frame(person(证件号码=make_id("20101201"), 出生日期="2010-12-01"))
    assert not row_rules.old_enough(df, CTX).iloc[0]
    assert row_rules.old_enough(df, RuleContext(today=TODAY, min_age=15)).iloc[0]


# --- retirement -----------------------------------------------------------------------


def test_retirement_months_of_uses_gender_identity_and_birth():
    df = frame(
        person(证件号码=make_id("19650110", "131"), 出生日期="1965-01-10"),
        person(
            证件号码=make_id("19710410", "122"), 性别="女", 个人身份="干部", 出生日期="1971-04-10"
        ),
        person(
            证件号码=make_id("19800610", "122"), 性别="女", 个人身份="工人", 出生日期="1980-06-10"
        ),
        person(证件号码="bad", 出生日期=""),
    )
    assert row_rules.retirement_months_of(df, CTX).tolist() == ["202502", "202608", "203303", ""]


MAN_1966_07 = make_id("19660710", "131")  # retires 2026-12
WOMAN_1976_03 = make_id("19760310", "122")  # worker: 2026-11; cadre: 2032-10


@pytest.mark.parametrize(
    ("overrides", "ok"),
    [
        ({"证件号码": MAN_1966_07, "出生日期": "1966-07-10", "参保年月": "202611"}, True),
        ({"证件号码": MAN_1966_07, "出生日期": "1966-07-10", "参保年月": "202612"}, False),
        (
            {
                "证件号码": MAN_1966_07,
                "出生日期": "1966-07-10",
                "参保年月": "202612",
                "养老保险": "否",
            },
            True,
        ),
        (
            {"证件号码": WOMAN_1976_03, "性别": "女", "出生日期": "1976-03-10", "个人身份": "工人"},
            False,
        ),
        (
            {"证件号码": WOMAN_1976_03, "性别": "女", "出生日期": "1976-03-10", "个人身份": "干部"},
            True,
        ),
        (
            {
                "证件号码": WOMAN_1976_03,
                "性别": "女",
                "出生日期": "1976-03-10",
                "参保年月": "202610",
            },
            True,
        ),
        ({"证件号码": MAN_1966_07, "出生日期": "1966-07-10", "参保年月": "2026-12"}, True),
        (
            {"证件号码": MAN_1966_07, "出生日期": "1966-07-10", "参保年月": "202612", "性别": ""},
            True,
        ),
        # A woman's category is unknown while 个人身份 is blank or wrong: not judged.
        ({"证件号码": WOMAN_1976_03, "性别": "女", "出生日期": "1976-03-10", "个人身份": ""}, True),
        (
            {"证件号码": WOMAN_1976_03, "性别": "女", "出生日期": "1976-03-10", "个人身份": "经理"},
            True,
        ),
        # A man's retirement age does not depend on 个人身份.
        (
            {
                "证件号码": MAN_1966_07,
                "出生日期": "1966-07-10",
                "参保年月": "202612",
                "个人身份": "",
            },
            False,
        ),
    ],
)
def test_pension_before_retirement(overrides, ok):
    df = frame(person(**overrides))
    assert row_rules.insurance_before_retirement(df, CTX, "养老保险").tolist() == [ok]


@pytest.mark.parametrize(
    ("month", "unemployment", "ok"),
    [("202611", "是", True), ("202612", "是", False), ("202612", "否", True)],
)
def test_unemployment_before_retirement(month, unemployment, ok):
    # The same rule as the pension: 失业保险 is refused from the retirement month on.
    row = person(证件号码=MAN_1966_07, 出生日期="1966-07-10", 参保年月=month, 失业保险=unemployment)
    got = row_rules.insurance_before_retirement(frame(row), CTX, "失业保险")
    assert got.tolist() == [ok]


def test_before_retirement_takes_the_persons_facts_from_anywhere():
    # 人员险种增加 passes the registry's birth date, gender and identity.
    births = pd.to_datetime(pd.Series(["1966-07-10", "1976-03-10", "1976-03-10", None]))
    genders = pd.Series(["男", "女", "女", "男"])
    identities = pd.Series(["", "工人", "干部", "工人"])
    months = pd.Series(["202612", "202611", "202611", "202612"])
    got = row_rules.before_retirement(births, genders, identities, months, CTX)
    assert got.tolist() == [False, False, True, True]
    earlier = pd.Series(["202611", "202610", "202611", "202612"])
    got = row_rules.before_retirement(births, genders, identities, earlier, CTX)
    assert got.tolist() == [True, True, True, True]


def test_pension_before_retirement_mixed_rows_keep_their_places():
    df = frame(
        person(),
        person(证件号码=MAN_1966_07, 出生日期="1966-07-10", 参保年月="202612"),
        person(养老保险="否"),
        person(**dict(zip(PERSON_ADD.headers, PERSON_ADD.example, strict=True))),
        first_row=10,
    )
    got = row_rules.insurance_before_retirement(df, CTX, "养老保险")
    assert got.to_dict() == {10: True, 11: False, 12: True, 13: True}


# --- duplicates -----------------------------------------------------------------------


def test_unique_ids():
    other = make_id("19900315", "151")
    df = frame(
        person(),
        person(证件号码=other),
        person(),
        person(证件号码=""),
        person(证件号码=""),
    )
    assert row_rules.unique_ids(df).tolist() == [False, True, False, True, True]
