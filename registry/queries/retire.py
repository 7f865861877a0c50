"""单位到龄人员 and 退休人员档案.

The statutory retirement month is computed in SQL from the birth date and the category's
row of `policy_retirement` (the formula of `validators.retirement`, in whole months since
year 0), so the horizon filters, sorts and pages in the database. A retiree's balance is
the account at the retirement month (`registry.retire_account`: the year before's closing,
the credits before that month and part-year interest up to it), the monthly account
pension that balance / 计发月数 for the age at retirement. The columns computed for the
rows shown take a few statements whatever their number (`ListQuery.keys`).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, Select, and_, case, cast, extract, func, literal, select
from sqlalchemy.orm import Session

from registry.models import Enrolment, Person, PolicyRetirement
from registry.policy import interest_rates, payout_table
from registry.queries.listing import Column, Filter, ListQuery, Params
from registry.query_models import PersonNameKey
from registry.retire_account import AtRetirement, Rates, balance_at
from registry.statement import FEN, Account, MissingRate, load_accounts
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


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[4:]) - 1


def pension_spans(
    session: Session, person_ids: list | Select
) -> dict[str, list[tuple[int, int | None]]]:
    """Each person's pension enrolments (any employer) as month indexes [start, end), the
    end None while active; one statement for any number of persons."""
    e = Enrolment
    out: dict[str, list[tuple[int, int | None]]] = {}
    stmt = select(e.person_id, e.start_month, e.end_month).where(
        e.person_id.in_(person_ids), e.insurance == "110"
    )
    for pid, start, end in session.execute(stmt):
        out.setdefault(pid, []).append((_month_index(start), _month_index(end) if end else None))
    return out


def months_until(spans: list[tuple[int, int | None]], until: int) -> int:
    """Distinct months insured before month index `until` (an active enrolment runs on
    to it; two enrolments over the same months count them once)."""
    count, reached = 0, None
    for start, end in sorted(spans):
        stop = min(until if end is None else end, until)
        begin = start if reached is None else max(start, reached)
        if stop > begin:
            count += stop - begin
            reached = stop if reached is None else max(reached, stop)
    return count


def _years(months: int) -> Decimal:
    return (Decimal(months) / 12).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def decorate_reaching(session: Session, employer_id: int, rows: list[dict], params: Params) -> None:
    """The minimum years needed; the years insured (any employer) up to this month and
    those at the retirement month if the insurance goes on; whether the latter suffice."""
    if not rows:
        return
    spans = pension_spans(session, REACHING.keys(employer_id, params, rows, "id_number"))
    today = params.today or dt.date.today()
    now = today.year * 12 + today.month - 1
    for r in rows:
        month = str(r["retire_month"])
        held = spans.get(r["id_number"], [])
        at_retirement = months_until(held, _month_index(month))
        need = min_contribution_years(int(month[:4]))
        r["min_years"] = need
        r["years"] = _years(months_until(held, now + 1))
        r["years_at_retirement"] = _years(at_retirement)
        r["enough"] = "是" if Decimal(at_retirement) / 12 >= need else "否"


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
        Column(
            "min_years",
            "最低缴费年限",
            "decimal",
            computed=True,
            hint="法定退休当年所需的最低缴费年限: 15 年, 2030 年起每年增加半年, 至 20 年。",
        ),
        Column(
            "years",
            "已缴费年限",
            "decimal",
            computed=True,
            hint="截至本月(含本月)在各单位参加养老保险的月数 ÷ 12, 重叠月份只计一次。",
        ),
        Column(
            "years_at_retirement",
            "到龄时缴费年限",
            "decimal",
            computed=True,
            hint="按现在的参保状态继续缴费到法定退休年月(不含该月)时的缴费年限; 已停保的不再增加。",
        ),
        Column("enough", "是否满足最低缴费年限", computed=True, hint="按到龄时缴费年限判断。"),
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


def _age_months(month: str, birth: object) -> int | None:
    if isinstance(birth, str):
        birth = dt.date.fromisoformat(birth[:10])
    if not isinstance(birth, dt.date):
        return None
    return _month_index(month) - (birth.year * 12 + birth.month - 1)


def _rate_text(result: AtRetirement, latest: int | None) -> str:
    shown = f"{result.rate * 100:.2f}%"
    if not result.borrowed:
        return shown
    years = "、".join(str(y) for y in result.borrowed)
    return f"{shown}({years} 年未录入, 暂按 {latest} 年)"


def decorate_retirees(session: Session, employer_id: int, rows: list[dict], params: Params) -> None:
    """Age, years contributed, the account balance at retirement (`registry.retire_account`)
    and the monthly account pension, from a few statements whatever the number of rows."""
    if not rows:
        return
    ids = RETIREES.keys(employer_id, params, rows, "id_number")
    spans, accounts = pension_spans(session, ids), load_accounts(session, ids)
    table, rates = payout_table(session), Rates(interest_rates(session))
    for r in rows:
        month = str(r["retire_month"])
        age = _age_months(month, r["birth_date"])
        r["age"] = "" if age is None else f"{age // 12}岁{age % 12}个月"
        r["years"] = _years(months_until(spans.get(r["id_number"], []), _month_index(month)))
        try:
            result = balance_at(accounts.get(r["id_number"], Account()), month, rates)
        except MissingRate as exc:
            r["balance"], r["rate"] = None, f"{exc.year} 年未录入"
        else:
            r["balance"], r["rate"] = result.balance, _rate_text(result, rates.latest)
            r["rate_borrowed"], r["rate_latest"] = result.borrowed, rates.latest
        divisor = payout_months(age // 12, age % 12, table) if table and age is not None else None
        r["payout_months"] = divisor
        r["pension"] = (
            (r["balance"] / divisor).quantize(FEN, rounding=ROUND_HALF_UP)
            if r["balance"] is not None and divisor
            else None
        )


def rate_notice(rows: list[dict]) -> str | None:
    """What the 退休人员档案 page says when balances of its rows used the latest rate for a
    year without one, with the operator's command."""
    years = sorted({y for r in rows for y in r.get("rate_borrowed", ())})
    if not years:
        return None
    latest = next(r["rate_latest"] for r in rows if r.get("rate_borrowed"))
    listed = "、".join(str(y) for y in years)
    return (
        f"{listed} 年的记账利率尚未录入, 涉及这些年度的个人帐户余额暂按 {latest} 年的利率计算。"
        f"公布后请经办人员运行 `shebao policy interest --year {years[0]} --rate 利率` 录入, "
        "余额随之更新。"
    )


RETIREES = ListQuery(
    name="retirees",
    title="退休人员档案",
    source=retirees_source,
    columns=(
        *COMMON,
        Column("retire_month", "退休年月", "month", sortable=True, descending=True),
        Column("age", "退休年龄", computed=True),
        Column(
            "years",
            "缴费年限",
            "decimal",
            computed=True,
            hint="退休年月之前在各单位参加养老保险的月数 ÷ 12, 重叠月份只计一次。",
        ),
        Column(
            "balance",
            "个人帐户余额(元)",
            "money",
            computed=True,
            hint="退休时的余额: 上年末余额 + 退休当年退休月之前各月的记入 + 按月积数法计至退休月的利息"
            "(上年末余额 × 利率 × (退休月 − 1) / 12 + Σ 当月记入 × (退休月 − 月份) / 12 × 利率)。",
        ),
        Column(
            "rate",
            "退休当年记账利率",
            computed=True,
            hint="尚未录入的年度暂按最近录入年度的利率计算, 并注明。",
        ),
        Column("payout_months", "计发月数", "decimal", computed=True),
        Column("pension", "个人帐户养老金(元/月)", "money", computed=True),
    ),
    filters=(Filter("q", "姓名或证件号码", fields=("name", "id_number")),),
    default_sort="retire_month",
    tiebreak=("name_key", "id_number"),
    decorate=decorate_retirees,
)
