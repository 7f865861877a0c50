"""缴费到账与欠费: per month what the employer owes (assessed, both sides), what the bank
receipts show paid, what is still owing and the late charge on it as of today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from registry.payments import charges
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


def _receipts(session: Session, employer_id: int, months: list[str]) -> dict[str, list]:
    """The receipts (date, amount) of the employer's shown months, in one statement."""
    out: dict[str, list] = {m: [] for m in months}
    stmt = select(Payment.month, Payment.paid_on, Payment.amount).where(
        Payment.employer_id == employer_id, Payment.month.in_(months)
    )
    for month, day, amount in session.execute(stmt):
        out[month].append((day, Decimal(str(amount))))
    return out


def decorate_arrears(session: Session, employer_id: int, rows: list[dict], params: Params) -> None:
    """Due date, days late and the late charge (policy figures) of each month shown,
    accrued between the receipts' dates (a month paid late in full still carries it)."""
    figures = settings(session)
    today = params.today or dt.date.today()
    receipts = _receipts(session, employer_id, [r["month"] for r in rows])
    for r in rows:
        due = Decimal(str(r["due"] or 0)).quantize(Decimal("0.01"))
        r["due_date"], r["days_late"], r["late_charge"] = charges(
            due, r["month"], today, figures, receipts[r["month"]]
        )


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
