"""单位人员名册 in SQL: one row per person of the employer, with status, insurances, the
latest base and the months, sorted by pinyin and paged by the list machinery."""

from __future__ import annotations

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from registry.models import ContributionBase, Enrolment, Person
from registry.pinyin import refresh_name_keys
from registry.queries.listing import Column, Filter, ListQuery, Params, insurance_codes
from registry.query_models import PersonNameKey

ROSTER_STATUS = {"active": "在保", "stopped": "停保"}


def _grouped(employer_id: int):
    e = Enrolment
    is_active = e.status == "active"
    return (
        select(
            e.person_id,
            func.max(case((is_active, 1), else_=0)).label("active"),
            func.aggregate_strings(case((is_active, e.insurance)), ",").label("ins_active"),
            func.aggregate_strings(e.insurance, ",").label("ins_all"),
            func.min(case((is_active, e.start_month))).label("start_active"),
            func.min(e.start_month).label("start_all"),
            func.max(e.end_month).label("end_all"),
            # An enrolment of the person here: the page's link to the person without
            # the ID number in the address.
            func.min(e.id).label("ref"),
        )
        .where(e.employer_id == employer_id)
        .group_by(e.person_id)
        .subquery("g")
    )


def roster_source(employer_id: int, params: Params) -> Select:
    """Every person with an enrolment at the employer, one row each."""
    g = _grouped(employer_id)
    cb = ContributionBase
    latest_base = (
        select(cb.base)
        .where(cb.person_id == g.c.person_id, cb.employer_id == employer_id)
        .order_by(cb.effective_month.desc(), cb.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    active = g.c.active == 1
    return (
        select(
            g.c.person_id.label("id_number"),
            Person.name.label("name"),
            func.coalesce(PersonNameKey.sort_key, Person.name).label("name_key"),
            case((active, literal("active")), else_=literal("stopped")).label("status"),
            case((active, g.c.ins_active), else_=g.c.ins_all).label("insurances"),
            latest_base.label("base"),
            case((active, g.c.start_active), else_=g.c.start_all).label("start_month"),
            case((active, None), else_=g.c.end_all).label("end_month"),
            g.c.ref,
        )
        .join(Person, Person.id_number == g.c.person_id)
        .outerjoin(PersonNameKey, and_(PersonNameKey.person_id == g.c.person_id))
    )


ROSTER = ListQuery(
    name="roster",
    title="单位人员名册",
    source=roster_source,
    columns=(
        Column("name", "姓名", sortable=True, sort_by="name_key"),
        Column("id_number", "证件号码", "id", masked=True),
        Column("status", "状态", "status", labels=ROSTER_STATUS),
        Column("insurances", "参保险种", "insurances"),
        Column("base", "缴费基数(元)", "money", sortable=True, descending=True),
        Column("start_month", "参保年月", "month", sortable=True, descending=True),
        Column("end_month", "停保年月", "month"),
    ),
    filters=(
        Filter("status", "参保状态", choices=ROSTER_STATUS),
        Filter("q", "姓名或证件号码", fields=("name", "id_number")),
    ),
    default_sort="name",
    tiebreak=("name_key", "id_number"),
    carry=("ref",),
)


def roster(session: Session, employer_id: int) -> list[dict]:
    """The whole roster in the command line's JSON shape (`shebao roster`)."""
    refresh_name_keys(session, employer_id)
    rows = ROSTER.rows(session, employer_id, Params())
    return [
        {
            "id_number": r["id_number"],
            "name": r["name"],
            "status": r["status"],
            "insurances": insurance_codes(r["insurances"]),
            "base": None if r["base"] is None else f"{r['base']:.2f}",
            "start_month": r["start_month"],
            "end_month": r["end_month"],
        }
        for r in rows
    ]


def roster_counts(session: Session, employer_id: int) -> dict[str, int]:
    """How many persons the employer has, and how many of them are active."""
    g = _grouped(employer_id)
    total, active = session.execute(
        select(func.count(), func.coalesce(func.sum(g.c.active), 0)).select_from(g)
    ).one()
    return {"total": total, "active": active}
