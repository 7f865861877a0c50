"""Bank receipts: import (CSV and xlsx, duplicates recognised, rows refused with their
row and column), and 缴费到账与欠费 with the late charge, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from registry.assess import assess_month
from registry.payments import import_receipts, late_charge, read_rows
from registry.queries import ARREARS
from registry.queries.listing import Params
from registry.uow import UnitOfWork
from tests.registry_data import bulk_persons, id_number, person

pytestmark = pytest.mark.integration

CSV = (
    "单位编码,费款所属期,金额,到账日期\n"
    "12345678,202410,1000.00,2024-11-10\n"
    "12345678,202410,1000.00,2024-11-10\n"
    "99999999,202410,5,2024-11-10\n"
    "12345678,2024-13,5,2024-11-10\n"
    "12345678,202410,-5,2024-11-10\n"
    "12345678,202410,5,明天\n"
).encode()


def test_csv_import_checks_each_row(db_url, employer_id):
    with UnitOfWork.for_url(db_url) as uow:
        result = import_receipts(uow.session, read_rows(CSV, "到账.csv"), "到账.csv")
        uow.commit()
        again = import_receipts(uow.session, read_rows(CSV, "到账.csv"), "到账.csv")
    assert (result.imported, result.duplicates) == (1, 1)
    assert [e[:5] for e in result.errors] == ["第 4 行", "第 5 行", "第 6 行", "第 7 行"]
    assert "A 列(单位编码)「99999999」" in result.errors[0] and "应为 YYYYMM" in result.errors[1]
    assert (again.imported, again.duplicates) == (0, 2)


def test_xlsx_and_wrong_header(db_url, employer_id):
    book = Workbook()
    book.active.append(["单位编码", "费款所属期", "金额", "到账日期"])
    book.active.append(["12345678", "202411", 2500.5, dt.datetime(2024, 12, 3)])
    buf = io.BytesIO()
    book.save(buf)
    with UnitOfWork.for_url(db_url) as uow:
        assert (
            import_receipts(uow.session, read_rows(buf.getvalue(), "a.xlsx"), "a.xlsx").imported
            == 1
        )
        bad = import_receipts(uow.session, [["编码", "月份"]], "b.csv")
    assert "第 1 行表头应为" in bad.errors[0]


def test_late_charge_rule():
    # 202410 is due by 2024-11-15; on 2024-11-25 ten days late: 600 × 0.05 % × 10 = 3.00.
    assert late_charge(Decimal(600), "202410", dt.date(2024, 11, 25), 15, Decimal("0.0005")) == (
        10,
        Decimal("3.00"),
    )
    assert late_charge(Decimal(600), "202412", dt.date(2025, 1, 15), 15, Decimal("0.0005")) == (
        0,
        Decimal("0.00"),
    )
    assert late_charge(Decimal(0), "202410", dt.date(2025, 1, 1), 15, Decimal("0.0005"))[1] == 0


D = dt.date
RATE = Decimal("0.0005")
# 202410 asks 1,200.00 by 2024-11-15; half paid on 2024-11-25 (day X), the rest on 2024-12-05
# (day Y), listed out of order on purpose.
HALVES = [(D(2024, 12, 5), Decimal(600)), (D(2024, 11, 25), Decimal(600))]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Before X: 1,200 × 0.05 % × 5 days (11-16 … 11-20) = 3.00; X not made yet.
        (D(2024, 11, 20), (5, Decimal("3.00"))),
        # Between: 1,200 × 0.05 % × 10 (to X, X counted at 1,200) = 6.00, then 600 × 0.05 % × 5
        # (11-26 … 11-30) = 1.50: 7.50 over 15 days.
        (D(2024, 11, 30), (15, Decimal("7.50"))),
        # After Y: 6.00 + 600 × 0.05 % × 10 (11-26 … 12-05) = 3.00; nothing runs after Y, so
        # the days stop at Y (20) and the charge stays 9.00.
        (D(2024, 12, 31), (20, Decimal("9.00"))),
        (D(2025, 6, 30), (20, Decimal("9.00"))),
        # On the due date itself nothing is late yet.
        (D(2024, 11, 15), (0, Decimal("0.00"))),
    ],
)
def test_late_charge_between_partial_payments(as_of, expected):
    assert late_charge(Decimal(1200), "202410", as_of, 15, RATE, HALVES) == expected


def test_late_charge_on_time_part_overpayment_and_rounding():
    # 1,000 paid on the due date is on time: 200 × 0.05 % × 10 (to 11-25) = 1.00.
    on_time = [(D(2024, 11, 15), Decimal(1000))]
    assert late_charge(Decimal(1200), "202410", D(2024, 11, 25), 15, RATE, on_time) == (
        10,
        Decimal("1.00"),
    )
    # Overpaid on 11-20: 1,200 × 0.05 % × 5 = 3.00 and nothing after, never a credit.
    over = [(D(2024, 11, 20), Decimal(1300))]
    assert late_charge(Decimal(1200), "202410", D(2025, 1, 1), 15, RATE, over) == (
        5,
        Decimal("3.00"),
    )
    # Periods summed exactly, rounded once: 1,234.56 × 0.05 % × 3 (to 11-18) = 1.85184 and
    # 234.56 × 0.05 % × 13 (to 12-01) = 1.52464, together 3.37648 → 3.38 (rounded apart: 3.37).
    part = [(D(2024, 11, 18), Decimal(1000))]
    assert late_charge(Decimal("1234.56"), "202410", D(2024, 12, 1), 15, RATE, part) == (
        16,
        Decimal("3.38"),
    )


def test_arrears_list_due_paid_owing(db_url, employer_id):
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(uow.session, employer_id, [person(id_number(0), "张伟")], start_month="202410",
                     base="5000", insurances=("110",))  # fmt: skip
        assess_month(uow.session, "202410")  # 800 + 400 = 1,200 due
        import_receipts(uow.session, read_rows(CSV, "到账.csv"), "到账.csv")  # 1,000 paid
        uow.commit()
        page = ARREARS.page(uow.session, employer_id, Params(today=dt.date(2024, 11, 25)))
    row = page.items[0]
    assert (
        row["month"] == "202410"
        and Decimal(str(row["due"])) == 1200
        and Decimal(str(row["paid"])) == 1000
    )
    assert (
        Decimal(str(row["owing"])) == 200
        and row["days_late"] == 10
        and row["late_charge"] == Decimal("1.00")
    )


def test_arrears_list_accrues_between_receipts(db_url, employer_id):
    """The list on the database: paid in full late, nothing owing and the charge kept."""
    halves = (
        "单位编码,费款所属期,金额,到账日期\n"
        "12345678,202410,600.00,2024-11-25\n"
        "12345678,202410,600.00,2024-12-05\n"
    ).encode()
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(uow.session, employer_id, [person(id_number(0), "张伟")], start_month="202410",
                     base="5000", insurances=("110",))  # fmt: skip
        assess_month(uow.session, "202410")  # 800 + 400 = 1,200 due by 2024-11-15
        import_receipts(uow.session, read_rows(halves, "到账.csv"), "到账.csv")
        uow.commit()
        mid = ARREARS.page(uow.session, employer_id, Params(today=dt.date(2024, 11, 30))).items[0]
        end = ARREARS.page(uow.session, employer_id, Params(today=dt.date(2024, 12, 31))).items[0]
    assert (mid["days_late"], mid["late_charge"]) == (15, Decimal("7.50"))
    assert Decimal(str(end["owing"])) == 0 and end["due_date"] == dt.date(2024, 11, 15)
    assert (end["days_late"], end["late_charge"]) == (20, Decimal("9.00"))
