"""单位到龄人员 and 退休人员档案.

The statutory retirement month is computed in SQL from the birth date and the category's
row of `policy_retirement` (the formula of `validators.retirement`, in whole months since
year 0), so the horizon filters, sorts and pages in the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Integer, Select, and_, case, cast, extract, func, literal, select
from sqlalchemy.orm import Session

from registry.models import Enrolment, Person, PolicyRetirement
from registry.policy import payout_table
from registry.queries.listing import Column, Filter, ListQuery, Params
from registry.query_models import PersonNameKey
from registry.statement import StatementError, statement
from validators.retirement import min_contribution_years, payout_months

HORIZONS = {"3": "3 个月内", "6": "6 个月内", "12": "12 个月内", "24": "24 个月内"}
DEFAULT_HORIZON = 6


def _category():
    return case(
        (Person.gender == "男", literal("male")),
        (Person.identity == "干部", literal("female_cadre")),
        else_=literal("female_worker"),
    )


def _retire_index():
    """Months since year 0 of the statutory retirement month (and the delay)."""
    year = cast(extract("year", Person.birth_date), Integer)
    month = cast(extract("month", Person.birth_date), Integer)
    r = PolicyRetirement
    idx = (year - r.reform_start_year) * 12 + month
    steps = (idx + r.months_per_delay - 1) // r.months_per_delay  # ceil for idx > 0
    delay = case((idx <= 0, 0), (steps > r.max_delay_months, r.max_delay_months), else_=steps)
    return year * 12 + (month - 1) + r.base_age * 12 + delay, r.base_age * 12 + delay


def _as_month(index):
    return cast(index // 12 * 100 + index % 12 + 1, Integer)


def reaching_source(employer_id: int, params: Params) -> Select:
    """Active persons of the employer reaching statutory age within the horizon."""
    today = params.today or dt.date.today()
    horizon = params.filters.get("within") or ""
    months = int(horizon) if horizon in HORIZONS else DEFAULT_HORIZON
    now = today.year * 12 + today.month - 1
    index, age = _retire_index()
    active = select(Enrolment.person_id).where(
        Enrolment.employer_id == employer_id, Enrolment.status == "active"
    )
    return (
        select(Person.name.label("name"), Person.id_number.label("id_number"),
               Person.gender.label("gender"), Person.identity.label("identity"),
               Person.birth_date.label("birth_date"), _as_month(index).label("retire_month"),
               (age // 12).label("age_years"), (age % 12).label("age_months"),
               func.coalesce(PersonNameKey.sort_key, Person.name).label("name_key"))
        .join(PolicyRetirement, PolicyRetirement.category == _category())
        .outerjoin(PersonNameKey, PersonNameKey.person_id == Person.id_number)
        .where(Person.id_number.in_(active), Person.birth_date.is_not(None))
        .where(index <= now + months)
    )  # fmt: skip


def _months_insured(session: Session, person_ids: list[str], until: str) -> dict[str, int]:
    rows = session.execute(
        select(Enrolment.person_id, Enrolment.start_month, Enrolment.end_month).where(
            Enrolment.person_id.in_(person_ids), Enrolment.insurance == "110"
        )
    )
    out: dict[str, int] = {}
    for pid, start, end in rows:
        stop = min(end or until, until)
        span = (int(stop[:4]) * 12 + int(stop[4:])) - (int(start[:4]) * 12 + int(start[4:]))
        out[pid] = out.get(pid, 0) + max(span, 0)
    return out


def _years(months: int) -> Decimal:
    return (Decimal(months) / 12).quantize(Decimal("0.1"))


def decorate_reaching(
    session: Session, _employer_id: int, rows: list[dict], _params: Params
) -> None:
    """Add the minimum years needed, the years insured here and elsewhere, and whether
    they suffice (months insured in the pension up to the retirement month)."""
    for r in rows:
        month = str(r["retire_month"])
        insured = _months_insured(session, [r["id_number"]], month).get(r["id_number"], 0)
        need = min_contribution_years(int(month[:4]))
        r["min_years"] = need
        r["years"] = _years(insured)
        r["enough"] = "是" if Decimal(insured) / 12 >= need else "否"


COMMON = (
    Column("name", "姓名", sortable=True, sort_by="name_key"),
    Column("id_number", "证件号码", "id", masked=True),
    Column("gender", "性别"),
    Column("identity", "个人身份"),
    Column("birth_date", "出生日期", "date"),
)

REACHING = ListQuery(
    name="reaching-age",
    title="单位到龄人员",
    source=reaching_source,
    columns=(
        *COMMON,
        Column("retire_month", "法定退休年月", "month", sortable=True),
        Column("age_years", "退休年龄(岁)", "int"),
        Column("age_months", "另加月数", "int"),
        Column("min_years", "最低缴费年限", "decimal", computed=True),
        Column("years", "已缴费年限", "decimal", computed=True),
        Column("enough", "是否满足", computed=True),
    ),
    filters=(Filter("within", "到龄时间", choices=HORIZONS, source_only=True),),
    default_sort="retire_month",
    tiebreak=("name_key", "id_number"),
    decorate=decorate_reaching,
)


def retirees_source(employer_id: int, params: Params) -> Select:
    """Persons whose enrolment here stopped for 退休, with the month they left."""
    e = Enrolment
    left = (
        select(e.person_id, func.max(e.end_month).label("retire_month"))
        .where(e.employer_id == employer_id, e.stop_reason == "退休")
        .group_by(e.person_id)
        .subquery("l")
    )
    return (
        select(Person.name.label("name"), Person.id_number.label("id_number"),
               Person.gender.label("gender"), Person.identity.label("identity"),
               Person.birth_date.label("birth_date"), left.c.retire_month,
               func.coalesce(PersonNameKey.sort_key, Person.name).label("name_key"))
        .join(left, and_(left.c.person_id == Person.id_number))
        .outerjoin(PersonNameKey, PersonNameKey.person_id == Person.id_number)
    )  # fmt: skip


def decorate_retirees(
    session: Session, _employer_id: int, rows: list[dict], _params: Params
) -> None:
    """Age, years contributed, the account balance and the monthly account pension."""
    table = payout_table(session)
    for r in rows:
        month, birth = str(r["retire_month"]), r["birth_date"]
        if isinstance(birth, str):
            birth = dt.date.fromisoformat(birth[:10])
        age = (
            (int(month[:4]) * 12 + int(month[4:])) - (birth.year * 12 + birth.month) if birth else 0
        )
        r["age"] = f"{age // 12}岁{age % 12}个月" if birth else ""
        r["years"] = _years(
            _months_insured(session, [r["id_number"]], month).get(r["id_number"], 0)
        )
        try:
            balance = statement(session, r["id_number"], int(month[:4])).closing
        except StatementError:
            balance = None
        r["balance"] = balance
        divisor = payout_months(age // 12, age % 12, table) if table and birth else None
        r["payout_months"] = divisor
        r["pension"] = (
            (balance / divisor).quantize(Decimal("0.01"))
            if balance is not None and divisor
            else None
        )


RETIREES = ListQuery(
    name="retirees",
    title="退休人员档案",
    source=retirees_source,
    columns=(
        *COMMON,
        Column("retire_month", "退休年月", "month", sortable=True, descending=True),
        Column("age", "退休年龄", computed=True),
        Column("years", "缴费年限", "decimal", computed=True),
        Column("balance", "个人帐户余额(元)", "money", computed=True),
        Column("payout_months", "计发月数", "decimal", computed=True),
        Column("pension", "个人帐户养老金(元/月)", "money", computed=True),
    ),
    filters=(Filter("q", "姓名或证件号码", fields=("name", "id_number")),),
    default_sort="retire_month",
    tiebreak=("name_key", "id_number"),
    decorate=decorate_retirees,
)
