"""Use cases of the work-injury tables (工伤事故申报, 工伤鉴定): the set-based reads the two
kinds judge sheets by, the reviewer's decisions, and the person's injury history.

An injury or appraisal row is written at upload, state `pending`, beside its pending
declaration; a decision sets `approved` / `concluded` or `rejected`; a withdrawal deletes
it. A pending row counts only while its declaration is still pending review, so a desk
that changed a declaration without calling the kind's hook leaves nothing blocking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import delete, or_, select, text, true, update
from sqlalchemy.orm import Session

from registry.models import Appraisal, Declaration, Employer, Injury, Person, utcnow

PENDING, APPROVED, CONCLUDED, REJECTED = "pending", "approved", "concluded", "rejected"
# The most numbers one year's sequence can give: five digits.
MAX_SEQUENCE = 99_999
# Links the rows a chunk just wrote to their pending declarations (same batch and row).
LINK_SQL = (
    "UPDATE {table} SET declaration_id = (SELECT d.id FROM declarations d"
    " WHERE d.batch_id = {table}.batch_id AND d.excel_row = {table}.excel_row"
    " AND d.status = 'pending_review') WHERE batch_id = ? AND declaration_id IS NULL"
)
_NEXT_NUMBER = text(
    "INSERT INTO injury_counters (year, last) VALUES (:year, 1) "
    "ON CONFLICT (year) DO UPDATE SET last = injury_counters.last + 1 RETURNING last"
)


class SequenceExhausted(Exception):
    """A year's 认定编号 sequence has no number left."""


def next_injury_no(session: Session, year: int) -> str:
    """The next 认定编号 of `year` (`GS` + year + 5 digits), in the session's transaction.

    One statement bumps (or creates) the year's counter row and returns it: PostgreSQL
    holds the row lock, SQLite the write lock, until commit, so concurrent approvals get
    distinct numbers; a rolled-back approval's number was never issued."""
    last = session.execute(_NEXT_NUMBER, {"year": year}).scalar_one()
    if last > MAX_SEQUENCE:
        raise SequenceExhausted(str(year))
    return f"GS{year}{last:05d}"


def _live(model):
    """Rows decided, or pending with their declaration still pending review."""
    pending_decl = (
        select(Declaration.id)
        .where(Declaration.id == model.declaration_id, Declaration.status == "pending_review")
        .exists()
    )
    return or_(model.state != PENDING, pending_decl)


def live_injuries(session: Session, id_numbers: Sequence[str]) -> pd.DataFrame:
    """The injuries (at any employer) of the persons `id_numbers`, one row each."""
    query = select(
        Injury.id, Injury.injury_no, Injury.person_id, Injury.employer_id,
        Injury.accident_date, Injury.state, Injury.outcome, Injury.decided_at, Injury.place,
        Injury.category, Injury.body_part, Injury.description, Injury.hospital, Injury.phone,
    ).where(Injury.person_id.in_(list(id_numbers)), _live(Injury))  # fmt: skip
    return _frame(session, query)


def injuries_by_number(session: Session, numbers: Sequence[str]) -> pd.DataFrame:
    """The approved injuries whose 认定编号 is among `numbers`."""
    query = select(
        Injury.id, Injury.injury_no, Injury.person_id, Injury.employer_id, Injury.decided_at
    ).where(Injury.injury_no.in_(list(numbers)), Injury.state == APPROVED)
    return _frame(session, query)


def live_appraisals(session: Session, numbers: Sequence[str]) -> pd.DataFrame:
    """Every live appraisal of the injuries `numbers` (pending, concluded or rejected)."""
    query = select(
        Appraisal.id, Appraisal.injury_no, Appraisal.category, Appraisal.applied_date,
        Appraisal.state, Appraisal.grade, Appraisal.self_care, Appraisal.concluded_at,
    ).where(Appraisal.injury_no.in_(list(numbers)), _live(Appraisal))  # fmt: skip
    return _frame(session, query)


def registered_names(session: Session, id_numbers: Sequence[str]) -> dict[str, str]:
    """ID number → registered name, for the known persons among `id_numbers`."""
    query = select(Person.id_number, Person.name).where(Person.id_number.in_(list(id_numbers)))
    return {pid: name for pid, name in session.execute(query).all()}


def _frame(session: Session, query) -> pd.DataFrame:
    result = session.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def decide_injury(
    session: Session, declaration_id: int, outcome: str, reviewer: str, reason: str, year: int
) -> Injury:
    """Approve (认定工伤 / 视同工伤, with the next 认定编号 of `year`) or reject (不予认定)
    the pending injury of a declaration; LookupError when it has none pending.

    The state changes first, conditionally: of two reviewers deciding at once, the second
    waits for the first's row (or write) lock and then finds nothing pending."""
    state = REJECTED if outcome == "不予认定" else APPROVED
    claimed = session.execute(
        update(Injury)
        .where(Injury.declaration_id == declaration_id, Injury.state == PENDING)
        .values(state=state, outcome=outcome, decided_at=utcnow(), reviewer=reviewer,
                reason=reason or None)
    )  # fmt: skip
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LookupError(declaration_id)
    injury = session.scalars(select(Injury).where(Injury.declaration_id == declaration_id)).one()
    if state == APPROVED:
        injury.injury_no = next_injury_no(session, year)
    session.flush()
    return injury


def conclude_appraisal(
    session: Session,
    declaration_id: int,
    verdict: tuple[str, str] | None,
    reviewer: str,
    reason: str,
    on: dt.date,
) -> Appraisal:
    """Conclude the pending appraisal of a declaration with (伤残等级, 生活自理障碍), or
    reject it when `verdict` is None; LookupError when it has none pending."""
    values: dict[str, Any] = {"reviewer": reviewer, "reason": reason or None}
    if verdict is None:
        values["state"] = REJECTED
    else:
        values.update(state=CONCLUDED, grade=verdict[0], self_care=verdict[1], concluded_at=on)
    claimed = session.execute(
        update(Appraisal)
        .where(Appraisal.declaration_id == declaration_id, Appraisal.state == PENDING)
        .values(**values)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LookupError(declaration_id)
    return session.scalars(
        select(Appraisal).where(Appraisal.declaration_id == declaration_id)
    ).one()


def withdraw_pending(session: Session, model: type[Injury] | type[Appraisal], declaration_id: int):
    """Delete the pending row of a withdrawn declaration (nothing was decided); a decided
    row is kept. Returns how many rows went."""
    result = session.execute(
        delete(model).where(model.declaration_id == declaration_id, model.state == PENDING)
    )
    return result.rowcount  # type: ignore[attr-defined]


def injury_history(
    session: Session,
    id_number: str,
    employer_id: int | None = None,
    except_declaration: int | None = None,
) -> list[dict[str, Any]]:
    """The person's injuries, newest accident first, each with its employer and its
    appraisals (for the reviewer's history view; `employer_id` limits it to one employer,
    for pages an employer's clerk reads). Withdrawn reports are not listed, nor the report
    or appraisal of `except_declaration`: the one the reviewer has open is not history."""
    query = (
        select(Injury, Employer.name)
        .join(Employer, Employer.id == Injury.employer_id)
        .where(Injury.person_id == id_number, _live(Injury), _not_of(Injury, except_declaration))
        .order_by(Injury.accident_date.desc(), Injury.id.desc())
    )
    if employer_id is not None:
        query = query.where(Injury.employer_id == employer_id)
    found = session.execute(query).all()
    numbers = [i.injury_no for i, _ in found if i.injury_no]
    appraisals = _appraisals_of(session, numbers, except_declaration)
    return [
        {
            "id": i.id, "injury_no": i.injury_no, "employer": name, "accident_date": i.accident_date,
            "category": i.category, "body_part": i.body_part, "place": i.place,
            "state": i.state, "outcome": i.outcome, "decided_at": i.decided_at,
            "reason": i.reason, "appraisals": appraisals.get(i.injury_no or "", []),
        }
        for i, name in found
    ]  # fmt: skip


def _not_of(model, declaration_id: int | None):
    """Rows other than the one `declaration_id` wrote (any row when None)."""
    if declaration_id is None:
        return true()
    # Rows keep their declaration id NULL until linked; != alone would drop them.
    return or_(model.declaration_id.is_(None), model.declaration_id != declaration_id)


def _appraisals_of(
    session: Session, numbers: list[str], except_declaration: int | None
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if not numbers:
        return out
    rows = session.scalars(
        select(Appraisal)
        .where(
            Appraisal.injury_no.in_(numbers),
            _live(Appraisal),
            _not_of(Appraisal, except_declaration),
        )
        .order_by(Appraisal.applied_date, Appraisal.id)
    )
    for a in rows:
        out.setdefault(a.injury_no, []).append(
            {
                "category": a.category, "applied_date": a.applied_date, "state": a.state,
                "grade": a.grade, "self_care": a.self_care, "concluded_at": a.concluded_at,
            }
        )  # fmt: skip
    return out
