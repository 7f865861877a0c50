"""Read-side queries of the registry for CLI and pages (rosters and the like)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import ContributionBase, Enrolment, Person

# The order of the template columns: 养老, 医疗, 失业, 工伤.
INSURANCE_ORDER = ["110", "310", "210", "410"]


def roster(session: Session, employer_id: int) -> list[dict]:
    """The employer's persons, one entry each: status, insurances, latest base, months.

    A person is `active` while any enrolment here is active; `insurances` lists the codes
    active now (or, for a stopped person, those held when stopped).
    """
    rows = session.execute(
        select(Enrolment, Person.name)
        .join(Person, Person.id_number == Enrolment.person_id)
        .where(Enrolment.employer_id == employer_id)
        .order_by(Enrolment.person_id, Enrolment.start_month)
    ).all()
    by_person: dict[str, list] = defaultdict(list)
    names: dict[str, str] = {}
    for enrolment, name in rows:
        by_person[enrolment.person_id].append(enrolment)
        names[enrolment.person_id] = name
    bases = _latest_bases(session, employer_id)
    return [
        _roster_entry(pid, names[pid], items, bases.get(pid)) for pid, items in by_person.items()
    ]


def _roster_entry(pid: str, name: str, items: list[Enrolment], base) -> dict:
    active = [e for e in items if e.status == "active"]
    if active:
        latest_start = max(e.start_month for e in active)
        current = [e for e in active if e.start_month == latest_start] or active
        status, end = "active", None
    else:
        end = max(e.end_month or "" for e in items) or None
        current = [e for e in items if e.end_month == end]
        status = "stopped"
    codes = sorted({e.insurance for e in current}, key=INSURANCE_ORDER.index)
    return {
        "id_number": pid,
        "name": name,
        "status": status,
        "insurances": codes,
        "base": None if base is None else f"{base:.2f}",
        "start_month": min(e.start_month for e in current),
        "end_month": end,
    }


def _latest_bases(session: Session, employer_id: int) -> dict:
    rows = session.execute(
        select(ContributionBase.person_id, ContributionBase.base)
        .where(ContributionBase.employer_id == employer_id)
        .order_by(ContributionBase.person_id, ContributionBase.effective_month, ContributionBase.id)
    ).all()
    return {pid: base for pid, base in rows}
