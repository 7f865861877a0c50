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
