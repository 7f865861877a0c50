"""工伤事故申报 (`injury_report`): an employer reports an employee's accident for 工伤认定.

One row per accident (natural key: 证件号码 + 事故发生日期). The person must have had
工伤保险 at this employer in the month of the accident; a report more than 30 days after
it is a warning (工伤保险条例 art. 17: the employer bears the costs of the delay). Every
valid row goes to an agency reviewer: the upload writes the pending declaration and a
pending injury; approval (认定工伤 / 视同工伤) gives it its 认定编号, rejection records
不予认定, the employer's withdrawal deletes it (hooks in `injury_review`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from sqlalchemy.orm import Session

from importer.apply import Insert, Target, Update, Write, columns, none_if_blank
from importer.kinds import injury_review as review
from importer.kinds import persons
from importer.kinds.base import (
    Judgement,
    Kind,
    RegistryVerdict,
    Verdictish,
    always_reviewed,
)
from registry import injuries
from registry.bulk import db_now
from registry.state import person_state
from validators import fields, messages
from validators.context import RuleContext, month_label
from validators.errors import RowError
from validators.models import PersonIdChecks, model_for
from validators.sheet import SheetRules
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, ColumnSpec, KindSpec, code_column

INSURANCE = "410"

# 事故类别 (only 工伤事故申报 offers this list).
ACCIDENT_CATEGORIES = [
    "工作时间工作场所事故",
    "上下班交通事故",
    "因工外出事故",
    "职业病",
    "其他",
]

SPEC = KindSpec(
    kind="injury_report",
    title="工伤事故申报",
    purpose="职工发生事故伤害或被诊断为职业病后, 由单位申请工伤认定, 每起事故一行。",
    version=1,
    columns=(
        NAME_COLUMN,
        ID_COLUMN,
        ColumnSpec("事故发生日期", "date", True, width=14,
                   hint="如 2026-11-20, 不能晚于今天; 职业病填被诊断、鉴定为职业病的日期。超过 30 天申报的, 逾期期间的工伤待遇等费用由单位负担"),
        ColumnSpec("事故发生地点", "text", True, width=24),
        code_column("事故类别", ACCIDENT_CATEGORIES, width=20),
        ColumnSpec("受伤部位", "text", True, max_len=100, width=14, hint="如 左手食指、腰部"),
        ColumnSpec("事故经过", "text", True, max_len=1000, min_len=20, width=40,
                   hint="至少 20 个字: 何时、何地、在做什么工作、怎样受的伤"),
        ColumnSpec("就诊医疗机构", "text", True, width=22),
        ColumnSpec("联系电话", "phone", False, width=14,
                   hint="11 位手机号, 或带区号的固定电话如 0575-82123456"),
        NOTE_COLUMN,
    ),
    example=(
        "张伟", "330682199003150018", "2026-11-20", "本单位二号车间", "工作时间工作场所事故",
        "左手食指", "在二号车间操作冲床更换模具时, 左手食指被模具夹伤, 当即送医。",
        "上虞区人民医院", "13812345678", "",
    ),
)  # fmt: skip

# The messages of the codes only 工伤事故申报 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "duplicate_accident": "证件号码 {value} 的同一起事故(事故发生日期相同)在本表中出现了不止一次。每起事故只填一行, 请删除重复的行。",
    "injury_not_insured": "此人在事故发生的 {month} 没有在本单位参加工伤保险({held})。只有事故发生时在本单位参加工伤保险的职工才能在此申报; 请核对证件号码和事故发生日期, 未参保期间发生的事故请到社保经办窗口咨询。",
    "injury_already_reported": "此人 {value} 的事故已经申报过, 正在审核, 本行与原申报的内容不同。如需修改, 请先撤回原申报, 再重新申报。",
    "injury_already_decided": "此人 {value} 的事故已于 {decided} 认定为「{outcome}」(工伤认定编号 {number}), 本行与原申报的内容不同, 不能再次申报。认定信息有误的, 请到社保经办窗口办理更正。",
    "injury_reported_late": "事故发生于 {date}, 到申报之日 {today} 已过 {days} 天, 超过了 {limit} 天的申报时限。本行照常申报; 但按《工伤保险条例》第十七条, 逾期期间发生的符合规定的工伤待遇等有关费用由本单位负担。",
    **review.REPORT_MESSAGES,
}


@model_for(SPEC)
class InjuryReportModel(PersonIdChecks):
    """工伤事故申报 (a person may have several accidents: one row per person and date)."""

    @pa.dataframe_check(name="duplicate_accident")
    def _one_row_per_accident(cls, df: pd.DataFrame) -> pd.Series:
        doubled = df.duplicated(["证件号码", "事故发生日期"], keep=False)
        return fields.blank(df["证件号码"]) | ~doubled


RULES = SheetRules(
    spec=SPEC, model=InjuryReportModel, check_columns={"duplicate_accident": "证件号码"}
)


def late_warnings(verdict: Verdictish, ctx: RuleContext) -> None:
    """A warning on every valid row reported more than `ctx.injury_report_days` (30)
    days after its accident."""
    ok = verdict.candidates()
    if ok.empty:
        return
    dates = verdict.df.loc[ok, "事故发生日期"]
    days = (pd.Timestamp(ctx.today) - fields.parse_dates(dates)).dt.days
    column = "事故发生日期"
    # The limit is the operator's policy setting `injury_report_days` (30 by art. 17).
    limit = ctx.injury_report_days
    for row in days.index[days > limit]:
        message = messages.render(
            "injury_reported_late", date=dates[row], today=ctx.today.isoformat(),
            days=int(days[row]), limit=limit,
        )  # fmt: skip
        verdict.issues.append(
            RowError(int(row), column, verdict.letters.get(column), dates[row],
                     "injury_reported_late", message, "warning")
        )  # fmt: skip


@dataclass(frozen=True)
class ReportState:
    """The registry state of a sheet's persons: enrolments (persons.read_persons) and
    their injuries at any employer."""

    persons: pd.DataFrame
    injuries: pd.DataFrame


def read_state(session: Session, rows: pd.DataFrame) -> ReportState:
    """Two queries for the whole sheet."""
    ids = rows["证件号码"].unique().tolist()
    return ReportState(person_state(session, ids), injuries.live_injuries(session, ids))


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """An accident reported here already (pending or approved) is unchanged when the row
    says what the report said, an error otherwise; the registered name; and 工伤保险 at
    this employer in the month of the accident."""
    rows, state, letters = judgement.rows, judgement.state, judgement.letters
    known = _reported_here(rows, state.injuries, judgement.employer_id, v, letters)
    names = state.persons.drop_duplicates("person_id").set_index("person_id")["reg_name"]
    persons.name_mismatch(rows.assign(reg_name=rows["证件号码"].map(names)), v, letters)
    _not_insured(rows.drop(index=list(known)), state.persons, judgement.employer_id, v, letters)


# The sheet's columns as the injuries table keeps them (the substance of a report).
SUBSTANCE = {
    "事故发生地点": "place", "事故类别": "category", "受伤部位": "body_part",
    "事故经过": "description", "就诊医疗机构": "hospital", "联系电话": "phone",
}  # fmt: skip


def _reported_here(
    rows: pd.DataFrame, found: pd.DataFrame, employer_id: int, v: RegistryVerdict,
    letters: dict[str, str],
) -> set[int]:  # fmt: skip
    """Rows of accidents this employer reported already; returns them."""
    live = found[(found["employer_id"] == employer_id) & (found["state"] != injuries.REJECTED)]
    j = rows.reset_index(names="_row").assign(_date=fields.parse_dates(rows["事故发生日期"]).values)
    j = j.merge(
        live.assign(_date=pd.to_datetime(live["accident_date"])),
        left_on=["证件号码", "_date"], right_on=["person_id", "_date"],
    ).set_index("_row")  # fmt: skip
    same = pd.Series(True, index=j.index)
    for column, stored in SUBSTANCE.items():
        same &= j[column] == j[stored].fillna("")
    v.unchanged |= set(j.index[same])
    for row in j.index[~same]:
        approved = j.at[row, "state"] == injuries.APPROVED
        v.errors.append(
            persons.error(
                row, "事故发生日期", letters,
                "injury_already_decided" if approved else "injury_already_reported",
                value=j.at[row, "事故发生日期"], number=j.at[row, "injury_no"],
                outcome=j.at[row, "outcome"], decided=str(j.at[row, "decided_at"])[:10],
            )
        )  # fmt: skip
    return set(j.index)


def insurance_here(state: pd.DataFrame, employer_id: int) -> pd.DataFrame:
    """The 工伤保险 enrolments (active or stopped) at this employer: person, start, end."""
    enrolled = state.dropna(subset=["insurance"])
    here = enrolled[(enrolled["employer_id"] == employer_id) & (enrolled["insurance"] == INSURANCE)]
    return here[["person_id", "start_month", "end_month"]]


def covered_rows(rows: pd.DataFrame, enrolments: pd.DataFrame) -> set[int]:
    """Rows whose accident month lies in one of the person's enrolments: started in or
    before it and not ended before it (the end month is the last month insured)."""
    month = rows["事故发生日期"].str.slice(0, 4) + rows["事故发生日期"].str.slice(5, 7)
    pairs = (
        pd.DataFrame({"row": rows.index, "person_id": rows["证件号码"], "month": month})
        .merge(enrolments, on="person_id")
    )  # fmt: skip
    ended = pairs["end_month"].notna() & (pairs["end_month"] < pairs["month"])
    return set(pairs.loc[(pairs["start_month"] <= pairs["month"]) & ~ended, "row"])


def _not_insured(
    rows: pd.DataFrame, state: pd.DataFrame, employer_id: int, v: RegistryVerdict,
    letters: dict[str, str],
) -> None:  # fmt: skip
    enrolments = insurance_here(state, employer_id)
    covered = covered_rows(rows, enrolments)
    column = "事故发生日期"
    for row in rows.index.difference(list(covered)):
        date = rows.at[row, column]
        held = enrolments[enrolments["person_id"] == rows.at[row, "证件号码"]]
        v.errors.append(
            persons.error(
                row, column, letters, "injury_not_insured", value=date,
                month=month_label(date[:4] + date[5:7]), held=describe_insurance(held),
            )
        )  # fmt: skip


def describe_insurance(enrolments: pd.DataFrame) -> str:
    """What the registry holds of a person's 工伤保险 here, the way the message says it."""
    if enrolments.empty:
        return "系统中没有此人在本单位的工伤保险记录"
    spans = [
        f"{month_label(start)}至{month_label(end)}" if isinstance(end, str) and end
        else f"{month_label(start)}起"
        for start, end in sorted(zip(enrolments["start_month"], enrolments["end_month"],
                                     strict=True))
    ]  # fmt: skip
    return "本单位工伤保险: " + "、".join(spans)


def current(judgement: Judgement) -> pd.DataFrame:
    """Per row of an accident this employer reported already (pending or approved; a
    rejected report does not stand, so reporting it again is new): what the report
    said, column by column, "" for a phone left out."""
    rows, found = judgement.rows, judgement.state.injuries
    live = found[
        (found["employer_id"] == judgement.employer_id) & (found["state"] != injuries.REJECTED)
    ]
    live = live.assign(
        _date=pd.to_datetime(live["accident_date"]).dt.strftime("%Y-%m-%d")
    ).sort_values("id")
    live = live.drop_duplicates(["person_id", "_date"], keep="last")
    key = pd.DataFrame(
        {"person_id": rows["证件号码"].astype(str), "_date": rows["事故发生日期"].astype(str)},
        index=rows.index,
    )
    j = key.reset_index(names="_row").merge(live, on=["person_id", "_date"])
    out = pd.DataFrame(
        {
            column: j[stored].fillna("").astype(str).to_numpy()
            for column, stored in SUBSTANCE.items()
        },
        index=pd.Index(j["_row"], name=rows.index.name),
        columns=list(SUBSTANCE),
    )
    return out


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Nothing is applied without a reviewer: every valid row goes to review (`review`),
    and what its upload writes is `declare`'s."""
    return []


INJURY_COLUMNS = [
    "person_id", "employer_id", "accident_date", "place", "category", "body_part",
    "description", "hospital", "phone", "note", "reported_at", "state", "batch_id",
    "excel_row",
]  # fmt: skip


def declare(rows: pd.DataFrame, target: Target) -> list[Write]:
    """A pending injury per row, linked to the row's pending declaration."""
    now = db_now()
    cols = columns(rows, "证件号码", "事故发生日期", "事故发生地点", "事故类别", "受伤部位",
                   "事故经过", "就诊医疗机构", "联系电话", "备注")  # fmt: skip
    records = [
        (pid, target.employer_id, date, place, category, part, story, hospital,
         none_if_blank(phone), none_if_blank(note), now, injuries.PENDING, target.batch_id,
         int(row))
        for row, (pid, date, place, category, part, story, hospital, phone, note) in zip(
            rows.index, zip(*cols, strict=True), strict=True
        )
    ]  # fmt: skip
    link = injuries.LINK_SQL.format(table="injuries")
    return [
        Insert("injuries", INJURY_COLUMNS, records),
        Update(link, link.replace("?", "%s"), [(target.batch_id,)]),
    ]


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=("证件号码", "事故发生日期"),
    read_state=read_state,
    judge=judge,
    plan=plan,
    subject="accident",
    review=always_reviewed,
    approve=review.approve_report,
    derive=late_warnings,
    declare=declare,
    reject=review.reject_report,
    withdraw=review.withdraw_report,
    # Every row goes to review: no `revert` (undo withdraws it while pending).
    compared_columns=tuple(SUBSTANCE),
    current=current,
)
