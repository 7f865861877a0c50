"""缴费到账与欠费: per month what the employer owes (assessed, both sides), what the bank
receipts show paid, what is still owing and the late charge on it as of today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from registry.payments import due_date, late_charge
from registry.policy import settings
from registry.queries.listing import Column, ListQuery, Params
from registry.query_models import Contribution, Payment


def _range(col, params: Params) -> list:
    out = []
    if params.month_from:
        out.append(col >= params.month_from)
    if params.month_to:
        out.append(col <= params.month_to)
    return out


def arrears_source(employer_id: int, params: Params) -> Select:
    """One row per month with an assessment or a receipt."""
    c, p = Contribution, Payment
    zero = literal(0)
    due = select(
        c.month, (c.employer_amount + c.employee_amount).label("due"), zero.label("paid")
    ).where(c.employer_id == employer_id, *_range(c.month, params))
    paid = select(p.month, zero.label("due"), p.amount.label("paid")).where(
        p.employer_id == employer_id, *_range(p.month, params)
    )
    u = union_all(due, paid).subquery("u")
    return select(
        u.c.month,
        func.round(func.sum(u.c.due), 2).label("due"),
        func.round(func.sum(u.c.paid), 2).label("paid"),
        func.round(func.sum(u.c.due) - func.sum(u.c.paid), 2).label("owing"),
    ).group_by(u.c.month)


def decorate_arrears(session: Session, rows: list[dict], params: Params) -> None:
    """Due date, days late and the late charge (policy figures) of each month."""
    figures = settings(session)
    due_day = int(figures.get("payment_due_day", "15"))
    daily = Decimal(figures.get("late_charge_daily", "0.0005"))
    today = params.today or dt.date.today()
    for r in rows:
        owing = Decimal(str(r["owing"] or 0)).quantize(Decimal("0.01"))
        r["due_date"] = due_date(r["month"], due_day)
        r["days_late"], r["late_charge"] = late_charge(owing, r["month"], today, due_day, daily)
        if owing <= 0:
            r["days_late"] = 0


ARREARS = ListQuery(
    name="arrears",
    title="缴费到账与欠费",
    source=arrears_source,
    columns=(
        Column("month", "费款所属期", "month", sortable=True, descending=True),
        Column("due", "应缴(元)", "money"),
        Column("paid", "已到账(元)", "money"),
        Column("owing", "欠费(元)", "money", sortable=True, descending=True),
        Column("due_date", "缴费截止日", "date", computed=True),
        Column("days_late", "逾期天数", "int", computed=True),
        Column("late_charge", "滞纳金(元)", "money", computed=True),
    ),
    default_sort="month",
    months=True,
    decorate=decorate_arrears,
)
