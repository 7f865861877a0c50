"""单位缴费信息's 已缴 and 欠缴: receipts are per employer and month, so a month's receipts
are spread over that month's insurances in proportion to each one's amount due (employer
and employee together), each part rounded half up to the fen and what rounding leaves
over (a fen or two, either way) given to the largest share, so the parts add up to the
receipts exactly. 欠缴 is the amount due less that part (negative: paid over)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.queries.listing import INSURANCE_ORDER, Params
from registry.query_models import Contribution, Payment

FEN = Decimal("0.01")

PAID_HINT = (
    "该月到账金额(按单位和月份到账)按各险种应缴合计的比例分摊到险种, 四舍五入到分, "
    "尾差计入应缴最多的险种, 各险种之和等于该月到账金额。"
)
OWING_HINT = "应缴合计 − 已缴; 负数为多缴。到账日期和滞纳金见「缴费到账与欠费」。"


def _fen(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(FEN, rounding=ROUND_HALF_UP)


def _rank(insurance: str) -> int:
    return INSURANCE_ORDER.index(insurance) if insurance in INSURANCE_ORDER else 9


def spread(amount: Decimal, dues: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """`amount` over the insurances of `dues` in proportion to what each owes (only
    positive dues take a part; nothing is spread when none is)."""
    weights = {k: v for k, v in dues.items() if v > 0}
    parts = {k: Decimal(0).quantize(FEN) for k in dues}
    total = sum(weights.values(), Decimal(0))
    if not weights or not amount:
        return parts
    for k, due in weights.items():
        parts[k] = (amount * due / total).quantize(FEN, rounding=ROUND_HALF_UP)
    # The first of the largest in template order (养老 before 医疗 on a tie).
    largest = max(sorted(weights, key=_rank), key=weights.__getitem__)
    parts[largest] += amount - sum(parts.values(), Decimal(0))
    return parts


def _dues(
    session: Session, employer_id: int, months: list | Select
) -> dict[str, dict[str, Decimal]]:
    c = Contribution
    stmt = (
        select(c.month, c.insurance, func.sum(c.employer_amount + c.employee_amount))
        .where(c.employer_id == employer_id, c.month.in_(months))
        .group_by(c.month, c.insurance)
    )
    out: dict[str, dict[str, Decimal]] = {}
    for month, insurance, due in session.execute(stmt):
        out.setdefault(month, {})[insurance] = _fen(due)
    return out


def _receipts(session: Session, employer_id: int, months: list | Select) -> dict[str, Decimal]:
    p = Payment
    stmt = (
        select(p.month, func.sum(p.amount))
        .where(p.employer_id == employer_id, p.month.in_(months))
        .group_by(p.month)
    )
    return {month: _fen(amount) for month, amount in session.execute(stmt)}


def decorate_paid(session: Session, employer_id: int, rows: list[dict], params: Params) -> None:
    """已缴 and 欠缴 of each row (a month and insurance), from two statements: every
    insurance's due in the rows' months (an insurance filter leaves the others owing
    their share) and those months' receipts."""
    from registry.queries.changes import CONTRIBUTIONS  # defined with this decorate

    if not rows:
        return
    months = CONTRIBUTIONS.keys(employer_id, params, rows, "month")
    dues, receipts = _dues(session, employer_id, months), _receipts(session, employer_id, months)
    parts = {m: spread(receipts.get(m, Decimal(0)), d) for m, d in dues.items()}
    for r in rows:
        paid = parts.get(r["month"], {}).get(r["insurance"], Decimal(0).quantize(FEN))
        r["paid"], r["owing"] = paid, _fen(r["total"]) - paid
