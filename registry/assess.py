"""Monthly assessment: what every active enrolment owes for a month, set-wise in SQL.

For month M, an enrolment is active when start_month ≤ M and (no end_month or M <
end_month): 停保年月 is the first month no longer insured. The amount per side is the
month's base (the latest `contribution_bases` row effective by M, of that employer) times
the latest rate valid by M (work injury: the employer's industry class), rounded to the
fen half up.

`contributions` is a ledger. A re-run compares the target with the sum already booked per
person, employer, insurance and month and books only the difference: nothing when nothing
changed, a `correction` row when a base was declared late or a stop entered back-dated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from registry.query_models import Contribution

_TEMP = """
CREATE TEMPORARY TABLE {name} (
    person_id VARCHAR(32), employer_id INTEGER, insurance VARCHAR(3),
    base NUMERIC(12, 2), er NUMERIC(12, 2), ee NUMERIC(12, 2))
"""
# The base of the month per person and employer (the latest effective by then).
_BASES = """
INSERT INTO assess_b (person_id, employer_id, base)
SELECT person_id, employer_id, base FROM (
    SELECT person_id, employer_id, base, ROW_NUMBER() OVER (
        PARTITION BY person_id, employer_id ORDER BY effective_month DESC, id DESC) AS rn
    FROM contribution_bases WHERE effective_month <= :m) ranked
WHERE rn = 1
"""
# The target of the month, computed once into a temporary table (indexed for the joins).
_TARGET = """
WITH act AS MATERIALIZED (
    SELECT DISTINCT e.person_id, e.employer_id, e.insurance FROM enrolments e
    WHERE e.start_month <= :m AND (e.end_month IS NULL OR e.end_month > :m)
), r AS MATERIALIZED (
    SELECT insurance, industry_class, employer_rate, employee_rate, ROW_NUMBER() OVER (
        PARTITION BY insurance, industry_class ORDER BY valid_from DESC) AS rn
    FROM policy_rates WHERE valid_from <= :m
)
INSERT INTO assess_t
SELECT a.person_id, a.employer_id, a.insurance, b.base,
       ROUND(b.base * r.employer_rate {eps}, 2), ROUND(b.base * r.employee_rate {eps}, 2)
FROM act a
JOIN assess_b b ON b.person_id = a.person_id AND b.employer_id = a.employer_id
JOIN employers emp ON emp.id = a.employer_id
JOIN r ON r.insurance = a.insurance AND r.rn = 1
      AND (r.industry_class IS NULL OR r.industry_class = emp.risk_class)
"""
# What is booked already, per key.
_CURRENT = """
INSERT INTO assess_c
SELECT person_id, employer_id, insurance, ROUND(SUM(base), 2), ROUND(SUM(employer_amount), 2),
       ROUND(SUM(employee_amount), 2)
FROM contributions WHERE month = :m GROUP BY person_id, employer_id, insurance
"""
_COLUMNS = (
    "INSERT INTO contributions (run_id, person_id, employer_id, insurance, month, base, "
    "employer_amount, employee_amount, kind, created_at) "
)
_CHANGED = """
SELECT :run, t.person_id, t.employer_id, t.insurance, :m,
       ROUND(t.base - COALESCE(c.base, 0), 2), ROUND(t.er - COALESCE(c.er, 0), 2),
       ROUND(t.ee - COALESCE(c.ee, 0), 2),
       CASE WHEN c.person_id IS NULL THEN 'assessed' ELSE 'correction' END, :now
FROM assess_t t LEFT JOIN assess_c c ON c.person_id = t.person_id
     AND c.employer_id = t.employer_id AND c.insurance = t.insurance
WHERE c.person_id IS NULL OR t.base <> c.base OR t.er <> c.er OR t.ee <> c.ee
"""
_GONE = """
SELECT :run, c.person_id, c.employer_id, c.insurance, :m, -c.base, -c.er, -c.ee,
       'correction', :now
FROM assess_c c LEFT JOIN assess_t t ON t.person_id = c.person_id
     AND t.employer_id = c.employer_id AND t.insurance = c.insurance
WHERE t.person_id IS NULL AND (c.base <> 0 OR c.er <> 0 OR c.ee <> 0)
"""
_TEMPS = ("assess_b", "assess_t", "assess_c")


_NEW_KEYS = """
SELECT COUNT(*) FROM assess_t t LEFT JOIN assess_c c ON c.person_id = t.person_id
    AND c.employer_id = t.employer_id AND c.insurance = t.insurance
WHERE c.person_id IS NULL
"""
_TOTALS = """
SELECT insurance, COUNT(*), SUM(base), SUM(er), SUM(ee) FROM assess_t
WHERE er + ee <> 0 GROUP BY insurance ORDER BY insurance
"""


def _prepare(session: Session, params: dict, eps: str) -> None:
    """Fill the temporary tables: month bases, the target, what is booked already."""
    for name in _TEMPS:
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        session.execute(text(_TEMP.format(name=name)))
    session.execute(text(_BASES), params)
    session.execute(text("CREATE INDEX ix_assess_b ON assess_b (person_id, employer_id)"))
    session.execute(text(_TARGET.format(eps=eps)), params)
    session.execute(text(_CURRENT), params)
    for name in _TEMPS[1:]:
        session.execute(
            text(f"CREATE INDEX ix_{name} ON {name} (person_id, employer_id, insurance)")
        )


def _book(session: Session, params: dict) -> tuple[int, int, dict[str, dict[str, object]]]:
    """Book the differences; (new keys, corrections, the month's totals from the target)."""
    new = session.execute(text(_NEW_KEYS)).scalar() or 0
    changed = session.execute(text(_COLUMNS + _CHANGED), params).rowcount  # type: ignore[attr-defined]
    gone = session.execute(text(_COLUMNS + _GONE), params).rowcount  # type: ignore[attr-defined]
    totals = {
        ins: {"persons": n, "base": _fen(b), "employer": _fen(er), "employee": _fen(ee)}
        for ins, n, b, er, ee in session.execute(text(_TOTALS))
    }
    for name in _TEMPS:
        session.execute(text(f"DROP TABLE {name}"))
    return new, changed - new + gone, totals


@dataclass(frozen=True)
class AssessResult:
    """What a run booked, and the month's totals per insurance afterwards."""

    month: str
    run_id: str
    assessed: int
    corrected: int
    totals: dict[str, dict[str, object]]

    def as_json(self) -> dict[str, object]:
        """The `shebao assess --json` shape."""
        return {
            "month": self.month, "run": self.run_id, "assessed": self.assessed,
            "corrected": self.corrected, "insurances": self.totals,
        }  # fmt: skip


def assess_month(session: Session, month: str) -> AssessResult:
    """Assess `month` (YYYYMM) for every employer; idempotent (see the module doc)."""
    from registry.models import utcnow

    # SQLite multiplies as binary floats: a hair up keeps exact halves (x.xx5) rounding up.
    eps = "+ 0.000000001" if session.get_bind().dialect.name == "sqlite" else ""
    run_id = uuid.uuid4().hex
    params = {"m": month, "run": run_id, "now": utcnow()}
    _prepare(session, params, eps)
    new, corrected, totals = _book(session, params)
    return AssessResult(month, run_id, new, corrected, totals)


def month_totals(session: Session, month: str) -> dict[str, dict[str, object]]:
    """Per insurance, from the ledger: persons with an amount due, base and both totals."""
    c = Contribution
    keys = (
        select(
            c.insurance,
            func.sum(c.base).label("base"),
            func.sum(c.employer_amount).label("er"),
            func.sum(c.employee_amount).label("ee"),
        )
        .where(c.month == month)
        .group_by(c.person_id, c.employer_id, c.insurance)
        .subquery()
    )
    due = func.round(keys.c.er, 2) + func.round(keys.c.ee, 2) != 0
    stmt = (
        select(
            keys.c.insurance,
            func.count(),
            func.sum(keys.c.base),
            func.sum(keys.c.er),
            func.sum(keys.c.ee),
        )
        .where(due)
        .group_by(keys.c.insurance)
        .order_by(keys.c.insurance)
    )
    return {
        ins: {"persons": n, "base": _fen(b), "employer": _fen(er), "employee": _fen(ee)}
        for ins, n, b, er, ee in session.execute(stmt)
    }


def _fen(value: object) -> str:
    return f"{Decimal(str(value or 0)).quantize(Decimal('0.01'))}"
