"""What the query commands and the policy figures they read do with input a person gets
wrong: a figure that would break the late charge, a rate typed as a percentage, a month
range backwards, a receipt month typed as an Excel date; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from registry.payments import import_receipts, read_rows
from registry.policy import set_setting, settings
from registry.query_models import Payment
from registry.uow import UnitOfWork
from shebao.cli import main
from tests.registry_data import bulk_persons, id_number, person

pytestmark = pytest.mark.integration


def _run(db_url: str, *args: str):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db_url})


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("payment_due_day", "31", "payment_due_day 应在 1 到 28 之间"),
        ("payment_due_day", "0", "payment_due_day 应在 1 到 28 之间"),
        ("late_charge_daily", "abc", "late_charge_daily 应为数字"),
        ("late_charge_daily", "0.05", "late_charge_daily 应在 0 到 0.01 之间"),
        ("backdate_months", "1.5", "backdate_months 应为不小于 0 的整数"),
        ("min_age", "十六", "min_age 应为数字"),
    ],
)
def test_a_figure_that_would_break_a_page_is_refused(
    db_url, employer_id, policy_restored, key, value, says
):
    run = _run(db_url, "policy", "set", key, value)
    assert run.exit_code == 1 and says in run.output, run.output
    with UnitOfWork.for_url(db_url) as uow:
        before = settings(uow.session)[key]
        with pytest.raises(ValueError, match=says):
            set_setting(uow.session, key, value)
    assert before == {"payment_due_day": "15", "late_charge_daily": "0.0005",
                      "backdate_months": "12", "min_age": "16"}[key]  # fmt: skip


def test_valid_figures_are_kept(db_url, employer_id, policy_restored):
    for key, value in (("late_charge_daily", "0.0003"), ("payment_due_day", "20"),
                       ("payout_months_60", "138.5")):  # fmt: skip
        assert _run(db_url, "policy", "set", key, value).exit_code == 0
    with UnitOfWork.for_url(db_url) as uow:
        figures = settings(uow.session)
    assert (figures["late_charge_daily"], figures["payment_due_day"]) == ("0.0003", "20")
    assert figures["payout_months_60"] == "138.5"


def test_interest_rate_must_be_a_fraction(db_url, employer_id, policy_restored):
    run = _run(db_url, "policy", "interest", "--year", "2026", "--rate", "abc")
    assert run.exit_code == 1 and "记账利率「abc」不是数字" in run.output
    run = _run(db_url, "policy", "interest", "--year", "2026", "--rate", "2.62")
    assert run.exit_code == 1 and "如 0.0262 表示 2.62%" in run.output
    assert _run(db_url, "policy", "interest", "--year", "2026", "--rate", "0.0190").exit_code == 0
    shown = json.loads(_run(db_url, "policy", "show").output)
    assert shown["interest"]["2026"] == "0.019" and shown["interest"]["2024"] == "0.0262"


def test_statement_and_opening_of_an_unregistered_number(db_url, employer_id):
    pid = id_number(5)
    for args in (("statement", "--id", pid, "--year", "2024", "--json"),
                 ("account", "opening", "--id", pid, "--year", "2015", "--balance", "100")):  # fmt: skip
        run = _run(db_url, *args)
        assert run.exit_code == 1 and "未登记" in run.output and pid not in run.output


def test_query_month_range_backwards_is_said(db_url, employer_id):
    run = _run(db_url, "query", "changes", "--employer", "12345678",
               "--from", "202612", "--to", "202601", "--json")  # fmt: skip
    assert run.exit_code == 1 and "--from 202612 晚于 --to 202601" in run.output
    run = _run(db_url, "query", "changes", "--employer", "12345678", "--from", "２０２６０１")
    assert run.exit_code == 1 and "格式不对" in run.output


def test_receipt_month_typed_as_an_excel_date(db_url, employer_id):
    book = Workbook()
    sheet = book.active
    sheet.append(["单位编码", "费款所属期", "金额", "到账日期"])
    sheet.append(["12345678", dt.datetime(2026, 10, 1), 100, dt.datetime(2026, 11, 10)])
    sheet.append(["12345678", "２０２６１０", 100, "2026-11-11"])
    buffer = io.BytesIO()
    book.save(buffer)
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(uow.session, employer_id, [person(id_number(0), "张伟")])
        result = import_receipts(uow.session, read_rows(buffer.getvalue(), "到账.xlsx"), "到账")
        months = [p.month for p in uow.session.query(Payment)]
    assert result.imported == 1 and months == ["202610"]
    assert len(result.errors) == 1 and result.errors[0].startswith("第 3 行: B 列(费款所属期)")
