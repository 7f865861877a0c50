"""Monthly assessment: what every active enrolment owes for a month, set-wise in SQL.

For month M, an enrolment is active when start_month ≤ M and (no end_month or M <
end_month): 停保年月 is the first month no longer insured. The amount per side is the
month's base (the latest `contribution_bases` row effective by M, of that employer) times
the latest rate valid by M (work injury: the employer's industry class), rounded to the
fen half up.

`contributions` is a ledger. A re-run compares the target with the sum already booked per
person, employer, insurance and month and books only the difference: nothing when nothing
changed, a `correction` row when a base was declared late or a stop entered back-dated.

A few statements carry the work whatever the size: a month never assessed is one INSERT
... SELECT into the ledger with the month's bases and dated rates joined; a re-run puts
that target into a temporary table and books target-minus-ledger from one grouping pass.
The totals come from the target (or the run's rows). No Python loop touches a row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from registry.query_models import Contribution

_TEMP = """
CREATE TEMPORARY TABLE assess_t (
    person_id VARCHAR(32), employer_id INTEGER, insurance VARCHAR(3),
    base NUMERIC(12, 2), er NUMERIC(12, 2), ee NUMERIC(12, 2))
"""
# The target of the month in one statement: the base of the month per person and employer
# (the latest effective by then), the rate per employer and insurance (the latest valid by
# then; work injury by the employer's industry class) resolved before the big join, so
# every join is an equality a hash join serves (no OR over 400,000 rows).
_WITH = """
WITH act AS MATERIALIZED (
    SELECT DISTINCT e.person_id, e.employer_id, e.insurance FROM enrolments e
    WHERE e.start_month <= :m AND (e.end_month IS NULL OR e.end_month > :m)
), b AS MATERIALIZED (
    SELECT person_id, employer_id, base FROM (
        SELECT person_id, employer_id, base, ROW_NUMBER() OVER (
            PARTITION BY person_id, employer_id ORDER BY effective_month DESC, id DESC) AS rn
        FROM contribution_bases WHERE effective_month <= :m) ranked
    WHERE rn = 1
), r AS MATERIALIZED (
    SELECT insurance, industry_class, employer_rate, employee_rate, ROW_NUMBER() OVER (
        PARTITION BY insurance, industry_class ORDER BY valid_from DESC) AS rn
    FROM policy_rates WHERE valid_from <= :m
), er AS MATERIALIZED (
    SELECT emp.id AS employer_id, r.insurance, r.employer_rate, r.employee_rate
    FROM employers emp JOIN r ON r.rn = 1
         AND (r.industry_class IS NULL OR r.industry_class = emp.risk_class)
)
"""
_KEY_AND_AMOUNTS = """a.person_id, a.employer_id, a.insurance, {month}b.base,
       ROUND(b.base * er.employer_rate {eps}, 2), ROUND(b.base * er.employee_rate {eps}, 2)"""
_JOINS = """
FROM act a
JOIN b ON b.person_id = a.person_id AND b.employer_id = a.employer_id
JOIN er ON er.employer_id = a.employer_id AND er.insurance = a.insurance
"""
_COLUMNS = (
    "INSERT INTO contributions (run_id, person_id, employer_id, insurance, month, base, "
    "employer_amount, employee_amount, kind, created_at) "
)
# A re-run: the target into a temporary table, to compare with the ledger and to total.
_TARGET = _WITH + "INSERT INTO assess_t SELECT " + _KEY_AND_AMOUNTS + _JOINS
# Nothing booked for the month yet: the target is the booking, written straight into the
# ledger (half the time of a pass through a temporary table on PostgreSQL), in person
# order so the ledger's person index grows page by page, not at 400,000 random places.
# INSERT first, then WITH: Python's sqlite3 counts the rows only of a statement that
# begins with INSERT.
_FIRST = (
    _COLUMNS + _WITH + "SELECT :run, " + _KEY_AND_AMOUNTS + ", 'assessed', :now" + _JOINS
    + " ORDER BY a.person_id"
)  # fmt: skip
# A re-run: the target less what is booked, per key, in one grouping pass over both (no
# join, no index): a key booked before gets its difference as a correction when there is
# one; a key new to the month is assessed (even at zero, so the next run knows it).
_DIFF = """
SELECT :run, person_id, employer_id, insurance, :m, ROUND(SUM(base), 2), ROUND(SUM(er), 2),
       ROUND(SUM(ee), 2), CASE WHEN MAX(booked) = 1 THEN 'correction' ELSE 'assessed' END, :now
FROM (
    SELECT person_id, employer_id, insurance, base, er, ee, 0 AS booked FROM assess_t
    UNION ALL
    SELECT person_id, employer_id, insurance, -base, -employer_amount, -employee_amount, 1
    FROM contributions WHERE month = :m
) both_sides
GROUP BY person_id, employer_id, insurance
HAVING MAX(booked) = 0 OR ROUND(SUM(base), 2) <> 0 OR ROUND(SUM(er), 2) <> 0
    OR ROUND(SUM(ee), 2) <> 0
"""
_BOOKED = "SELECT 1 FROM contributions WHERE month = :m LIMIT 1"
# The differences are few on a usual re-run: held apart first, so counting them by kind
# does not read the whole month of the ledger.
_DIFF_TEMP = """
CREATE TEMPORARY TABLE assess_d (
    run_id VARCHAR(32), person_id VARCHAR(32), employer_id INTEGER, insurance VARCHAR(3),
    month VARCHAR(6), base NUMERIC(12, 2), er NUMERIC(12, 2), ee NUMERIC(12, 2),
    kind VARCHAR(12), created_at TIMESTAMP)
"""
_TOTALS = """
SELECT insurance, COUNT(*), SUM(base), SUM(er), SUM(ee) FROM assess_t
WHERE er + ee <> 0 GROUP BY insurance ORDER BY insurance
"""
# After a first run the month's ledger rows are this run's, one per key.
_RUN_TOTALS = """
SELECT insurance, COUNT(*), SUM(base), SUM(employer_amount), SUM(employee_amount)
FROM contributions WHERE month = :m AND run_id = :run AND employer_amount + employee_amount <> 0
GROUP BY insurance ORDER BY insurance
"""


def _tune(session: Session) -> None:
    """Give PostgreSQL the plan this bulk work wants, for this transaction only."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # SET LOCAL ends with the transaction. The default 4 MB spills the grouping of 400,000
    # keys to disk; right after a bulk load the statistics are stale and the planner,
    # expecting a few rows, picks nested loops over materialised sets (ten minutes instead
    # of seconds), while every join here is a large equality join a hash serves; without
    # nested loops the estimated cost looks huge and would switch on JIT compilation,
    # which costs seconds and saves nothing on one pass.
    for setting in ("work_mem = '64MB'", "enable_nestloop = off", "jit = off"):
        session.execute(text(f"SET LOCAL {setting}"))


def _first_run(session: Session, params: dict, eps: str) -> tuple[int, int, dict]:
    """A month never assessed: (keys assessed, 0, totals) from one INSERT ... SELECT."""
    result = session.execute(text(_FIRST.format(eps=eps, month=":m, ")), params)
    totals = _totals(session, _RUN_TOTALS, params)
    return result.rowcount, 0, totals  # type: ignore[attr-defined]


def _re_run(session: Session, params: dict, eps: str) -> tuple[int, int, dict]:
    """A month assessed before: (keys new to it, corrections, totals) of the differences."""
    for name, ddl in (("assess_t", _TEMP), ("assess_d", _DIFF_TEMP)):
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        session.execute(text(ddl))
    session.execute(text(_TARGET.format(eps=eps, month="")), params)
    session.execute(text("INSERT INTO assess_d " + _DIFF), params)
    counted = session.execute(text("SELECT kind, COUNT(*) FROM assess_d GROUP BY kind"))
    kinds: dict[str, int] = {kind: n for kind, n in counted}
    session.execute(text(_COLUMNS + "SELECT * FROM assess_d ORDER BY person_id"))
    totals = _totals(session, _TOTALS, params)
    for name in ("assess_t", "assess_d"):
        session.execute(text(f"DROP TABLE {name}"))
    return kinds.get("assessed", 0), kinds.get("correction", 0), totals


def _totals(session: Session, sql: str, params: dict) -> dict[str, dict[str, object]]:
    """The month's totals per insurance (persons with an amount due)."""
    return {
        ins: {"persons": n, "base": _fen(b), "employer": _fen(er), "employee": _fen(ee)}
        for ins, n, b, er, ee in session.execute(text(sql), params)
    }


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
    _tune(session)
    booked = session.execute(text(_BOOKED), params).first() is not None
    new, corrected, totals = (_re_run if booked else _first_run)(session, params, eps)
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
