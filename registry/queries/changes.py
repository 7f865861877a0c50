"""人员增减名册 and 单位缴费信息: additions and reductions by month, and the assessed
contributions per month and insurance with what the receipts paid of them
(`registry.queries.paid`)."""

from __future__ import annotations

from sqlalchemy import Select, case, func, literal, select, union_all

from registry.models import Employer, Enrolment, Person
from registry.queries.listing import Column, Filter, ListQuery, Params
from registry.queries.paid import OWING_HINT, PAID_HINT, decorate_paid
from registry.query_models import Contribution, PersonNameKey

CHANGE_KINDS = {"add": "增加", "remove": "减少"}
INSURANCE_LABELS = {"110": "养老保险", "210": "失业保险", "310": "医疗保险", "410": "工伤保险"}


def _in_range(col, params: Params):
    conds = []
    if params.month_from:
        conds.append(col >= params.month_from)
    if params.month_to:
        conds.append(col <= params.month_to)
    return conds


def changes_source(employer_id: int, params: Params) -> Select:
    """One row per person, month and direction (the insurances changed then, together)."""
    e = Enrolment
    adds = (
        select(e.person_id, literal("add").label("change"), e.start_month.label("month"),
               e.start_reason.label("reason"), e.insurance)
        .where(e.employer_id == employer_id, *_in_range(e.start_month, params))
    )  # fmt: skip
    removes = (
        select(e.person_id, literal("remove").label("change"), e.end_month.label("month"),
               e.stop_reason.label("reason"), e.insurance)
        .where(e.employer_id == employer_id, e.end_month.is_not(None), *_in_range(e.end_month, params))
    )  # fmt: skip
    u = union_all(adds, removes).subquery("u")
    g = (
        select(u.c.person_id, u.c.change, u.c.month, func.max(u.c.reason).label("reason"),
               func.aggregate_strings(u.c.insurance, ",").label("insurances"))
        .group_by(u.c.person_id, u.c.change, u.c.month)
        .subquery("g")
    )  # fmt: skip
    return (
        select(g.c.month, g.c.change, Person.name.label("name"), g.c.person_id.label("id_number"),
               g.c.reason, g.c.insurances,
               func.coalesce(PersonNameKey.sort_key, Person.name).label("name_key"))
        .join(Person, Person.id_number == g.c.person_id)
        .outerjoin(PersonNameKey, PersonNameKey.person_id == g.c.person_id)
    )  # fmt: skip


CHANGES = ListQuery(
    name="changes",
    title="人员增减名册",
    source=changes_source,
    columns=(
        Column("month", "变动年月", "month", sortable=True, descending=True),
        Column("change", "增减", "status", labels=CHANGE_KINDS),
        Column("name", "姓名", sortable=True, sort_by="name_key"),
        Column("id_number", "证件号码", "id", masked=True),
        Column("reason", "原因"),
        Column("insurances", "险种", "insurances"),
    ),
    filters=(
        Filter("change", "增减", choices=CHANGE_KINDS),
        Filter("reason", "原因", fields=("reason",)),
        Filter("q", "姓名或证件号码", fields=("name", "id_number")),
    ),
    default_sort="month",
    tiebreak=("change", "name_key", "id_number"),
    months=True,
)


def contributions_source(employer_id: int, params: Params) -> Select:
    """Per month and insurance: persons due, base total, both sides, corrections booked."""
    c = Contribution
    keys = (
        select(c.month, c.insurance, c.person_id, func.sum(c.base).label("base"),
               func.sum(c.employer_amount).label("er"), func.sum(c.employee_amount).label("ee"),
               func.sum(case((c.kind == "correction", 1), else_=0)).label("fixes"))
        .where(c.employer_id == employer_id, *_in_range(c.month, params))
        .group_by(c.month, c.insurance, c.person_id)
        .subquery("k")
    )  # fmt: skip
    due = case((func.round(keys.c.er, 2) + func.round(keys.c.ee, 2) != 0, 1), else_=0)
    return (
        select(keys.c.month, keys.c.insurance, func.sum(due).label("persons"),
               func.round(func.sum(keys.c.base), 2).label("base"),
               func.round(func.sum(keys.c.er), 2).label("employer_amount"),
               func.round(func.sum(keys.c.ee), 2).label("employee_amount"),
               func.round(func.sum(keys.c.er + keys.c.ee), 2).label("total"),
               func.sum(keys.c.fixes).label("corrections"))
        .group_by(keys.c.month, keys.c.insurance)
    )  # fmt: skip


CONTRIBUTIONS = ListQuery(
    name="contributions",
    title="单位缴费信息",
    source=contributions_source,
    columns=(
        Column("month", "费款所属期", "month", sortable=True, descending=True),
        Column("insurance", "险种", "status", labels=INSURANCE_LABELS),
        Column("persons", "人数", "int"),
        Column("base", "缴费基数合计(元)", "money"),
        Column("employer_amount", "单位缴纳(元)", "money"),
        Column("employee_amount", "个人缴纳(元)", "money"),
        Column("total", "应缴合计(元)", "money", sortable=True, descending=True),
        Column("paid", "已缴(元)", "money", computed=True, hint=PAID_HINT),
        Column("owing", "欠缴(元)", "money", computed=True, hint=OWING_HINT),
        Column("corrections", "更正笔数", "int"),
    ),
    filters=(Filter("insurance", "险种", choices=INSURANCE_LABELS),),
    default_sort="month",
    tiebreak=("insurance",),
    months=True,
    decorate=decorate_paid,
)


def _person_months(params: Params, *where) -> Select:
    """One person's assessed months per employer and insurance (nothing without an ID)."""
    c = Contribution
    pid = (params.filters.get("id") or "").strip().upper()
    return (
        select(c.month, c.insurance, c.employer_id,
               func.max(Employer.name).label("employer"),
               func.round(func.sum(c.base), 2).label("base"),
               func.round(func.sum(c.employer_amount), 2).label("employer_amount"),
               func.round(func.sum(c.employee_amount), 2).label("employee_amount"),
               func.sum(case((c.kind == "correction", 1), else_=0)).label("corrections"))
        .join(Employer, Employer.id == c.employer_id)
        .where(c.person_id == pid, *where, *_in_range(c.month, params))
        .group_by(c.month, c.insurance, c.employer_id)
    )  # fmt: skip


def person_source(employer_id: int, params: Params) -> Select:
    """One person's assessed months at this employer, per insurance."""
    return _person_months(params, Contribution.employer_id == employer_id)


def person_everywhere(params: Params) -> Select:
    """One person's assessed months at every employer (the agency's view)."""
    return _person_months(params)


PERSON = ListQuery(
    name="person",
    title="人员缴费信息",
    source=person_source,
    every_employer=person_everywhere,
    columns=(
        Column("month", "费款所属期", "month", sortable=True, descending=True),
        Column("employer", "缴费单位"),
        Column("insurance", "险种", "status", labels=INSURANCE_LABELS),
        Column("base", "缴费基数(元)", "money"),
        Column("employer_amount", "单位缴纳(元)", "money"),
        Column("employee_amount", "个人缴纳(元)", "money"),
        Column("corrections", "更正笔数", "int"),
    ),
    filters=(Filter("id", "证件号码", source_only=True),),
    default_sort="month",
    tiebreak=("employer_id", "insurance"),
    months=True,
)
