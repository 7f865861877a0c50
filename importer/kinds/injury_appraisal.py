"""工伤鉴定 (`injury_appraisal`): an employer applies for a 劳动能力鉴定 of an approved injury.

One row per application (natural key: 工伤认定编号 + 鉴定类别 + 申请日期), for an injury
of this person approved at this employer. 初次鉴定 once per injury; 复查鉴定 from one year
after the last conclusion (工伤保险条例 art. 28); 再次鉴定 within 15 days of it (art. 26),
and not against a 再次鉴定's conclusion, which is final. Every valid row goes to a
reviewer, who records 伤残等级 and 生活自理障碍 (hooks in `injury_review`).
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
from validators import fields
from validators.context import RuleContext
from validators.models import PersonIdChecks, model_for
from validators.sheet import SheetRules
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, ColumnSpec, KindSpec, code_column

# 鉴定类别 (only 工伤鉴定 offers this list).
APPRAISAL_CATEGORIES = ["初次鉴定", "复查鉴定", "再次鉴定"]
INITIAL, REVIEW, AGAIN = APPRAISAL_CATEGORIES
INJURY_NO_PATTERN = r"^GS(19|20)\d{2}\d{5}$"
# 复查鉴定 from one year after the last conclusion; 再次鉴定 within 15 days of it.
REVIEW_AFTER = pd.DateOffset(years=1)
AGAIN_WITHIN = pd.Timedelta(days=15)

SPEC = KindSpec(
    kind="injury_appraisal",
    title="工伤鉴定",
    purpose="为已认定工伤的职工申请劳动能力鉴定(初次、复查或再次鉴定), 每项申请一行。",
    version=1,
    columns=(
        NAME_COLUMN,
        ID_COLUMN,
        ColumnSpec("工伤认定编号", "ref", True, max_len=30, width=16,
                   hint="工伤认定决定书上的编号, 如 GS202600001"),
        code_column("鉴定类别", APPRAISAL_CATEGORIES, width=12,
                    hint="初次鉴定只能申请一次; 复查鉴定须在上次结论作出一年后; 再次鉴定须在结论作出后 15 日内"),
        ColumnSpec("申请日期", "date", True, width=12, hint="如 2026-11-20, 不能晚于今天"),
        NOTE_COLUMN,
    ),
    example=("张伟", "330682199003150018", "GS202600001", "初次鉴定", "2026-11-20", ""),
)  # fmt: skip

# The messages of the codes only 工伤鉴定 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "injury_no_format": "工伤认定编号「{value}」格式不对: 应为 GS 加 4 位年份和 5 位顺序号, 例如 GS202600001。请对照工伤认定决定书填写。",
    "duplicate_injury_no": "工伤认定编号 {value} 在本表中出现了不止一次。同一工伤一次只能申请一项鉴定, 请删除多余的行, 待上一项鉴定有结论后再申请下一项。",
    "injury_unknown": "工伤认定编号 {value} 不是本单位已认定的工伤。请对照工伤认定决定书核对编号; 工伤事故申报尚在审核的, 请等认定后再申请鉴定。",
    "injury_other_person": "工伤认定编号 {value} 登记的受伤职工不是本行证件号码的这个人。请核对证件号码或工伤认定编号。",
    "first_appraisal_exists": "此工伤已于 {date} 申请过初次鉴定({state}), 初次鉴定只能申请一次。伤残情况有变化的, 请在结论作出一年后申请复查鉴定; 对结论不服的, 请在 15 日内申请再次鉴定。",
    "appraisal_pending": "此工伤 {date} 申请的{category}正在审核, 审核结束前不能再申请鉴定。请等有结论后再申请。",
    "no_conclusion": "此工伤还没有劳动能力鉴定结论, 不能申请{category}。请先申请初次鉴定。",
    "review_too_early": "此工伤最近一次鉴定结论作出于 {concluded}, 复查鉴定须在结论作出一年后申请, 即 {earliest} 及以后(《工伤保险条例》第二十八条)。申请日期 {value} 太早, 请核对。",
    "reappraisal_too_late": "此工伤最近一次鉴定结论作出于 {concluded}, 再次鉴定须在 15 日内申请, 即最晚 {latest}(《工伤保险条例》第二十六条)。申请日期 {value} 已超过期限; 伤残情况有变化的, 可在结论作出一年后申请复查鉴定。",
    "reappraisal_before_conclusion": "申请日期 {value} 早于此工伤最近一次鉴定结论的作出日期 {concluded}。再次鉴定是对已作出的结论申请的, 请核对申请日期。",
    "reappraisal_final": "此工伤最近一次鉴定是再次鉴定({concluded} 作出), 其结论为最终结论, 不能再申请再次鉴定(《工伤保险条例》第二十六条)。伤残情况有变化的, 可在结论作出一年后申请复查鉴定。",
    **review.APPRAISAL_MESSAGES,
}


@model_for(SPEC)
class InjuryAppraisalModel(PersonIdChecks):
    """工伤鉴定 (one application per injury and sheet)."""

    @pa.dataframe_check(name="injury_no_format")
    def _number_shape(cls, df: pd.DataFrame) -> pd.Series:
        return fields.matches(df["工伤认定编号"], INJURY_NO_PATTERN)

    @pa.dataframe_check(name="duplicate_injury_no")
    def _one_row_per_injury(cls, df: pd.DataFrame) -> pd.Series:
        number = df["工伤认定编号"]
        return fields.blank(number) | ~number.duplicated(keep=False)


RULES = SheetRules(
    spec=SPEC,
    model=InjuryAppraisalModel,
    check_columns={"injury_no_format": "工伤认定编号", "duplicate_injury_no": "工伤认定编号"},
)


@dataclass(frozen=True)
class AppraisalState:
    """The approved injuries the sheet names, their appraisals, the persons' names."""

    injuries: pd.DataFrame
    appraisals: pd.DataFrame
    names: dict[str, str]


def read_state(session: Session, rows: pd.DataFrame) -> AppraisalState:
    """Three queries for the whole sheet."""
    numbers = rows["工伤认定编号"].unique().tolist()
    return AppraisalState(
        injuries.injuries_by_number(session, numbers),
        injuries.live_appraisals(session, numbers),
        injuries.registered_names(session, rows["证件号码"].unique().tolist()),
    )


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """The injury approved here for this person, the registered name, then the rules of
    the category against the injury's appraisals."""
    rows, state, letters = judgement.rows, judgement.state, judgement.letters
    mine = state.injuries[state.injuries["employer_id"] == judgement.employer_id]
    owner = rows["工伤认定编号"].map(mine.set_index("injury_no")["person_id"])
    for row in rows.index[owner.isna()]:
        v.errors.append(_error(rows, row, "工伤认定编号", letters, "injury_unknown"))
    other = owner.notna() & (owner != rows["证件号码"])
    for row in rows.index[other]:
        v.errors.append(_error(rows, row, "证件号码", letters, "injury_other_person",
                               value=rows.at[row, "工伤认定编号"]))  # fmt: skip
    known = rows[owner.notna() & ~other]
    _category_rules(known, summarise(state.appraisals), v, letters)
    persons.name_mismatch(rows.assign(reg_name=rows["证件号码"].map(state.names)), v, letters)


SUMMARY_COLUMNS = [
    "first_date", "first_state", "first_grade", "first_care", "pending_category",
    "pending_date", "last_concluded", "last_category", "keys",
]  # fmt: skip


def summarise(appraisals: pd.DataFrame) -> pd.DataFrame:
    """Per injury number: its first 初次鉴定 still standing (pending or concluded), the
    application pending, and the last conclusion (date and category)."""
    if appraisals.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS, index=pd.Index([], name="injury_no"))
    a = appraisals.assign(
        applied_date=pd.to_datetime(appraisals["applied_date"]),
        concluded_at=pd.to_datetime(appraisals["concluded_at"]),
    )
    standing = a[a["state"] != injuries.REJECTED]
    first = standing[standing["category"] == INITIAL].sort_values("applied_date")
    pending = a[a["state"] == injuries.PENDING].sort_values("applied_date")
    concluded = a[a["state"] == injuries.CONCLUDED].sort_values("concluded_at")
    out = pd.DataFrame(index=pd.Index(a["injury_no"].unique(), name="injury_no"))
    firsts = first.groupby("injury_no").first()
    out["first_date"], out["first_state"] = firsts["applied_date"], firsts["state"]
    out["first_grade"], out["first_care"] = firsts["grade"], firsts["self_care"]
    pendings = pending.groupby("injury_no").first()
    out["pending_category"], out["pending_date"] = pendings["category"], pendings["applied_date"]
    last = concluded.groupby("injury_no").last()
    out["last_concluded"], out["last_category"] = last["concluded_at"], last["category"]
    keys = {
        number: set(zip(g["category"], g["applied_date"], strict=True))
        for number, g in standing.groupby("injury_no")
    }
    out["keys"] = pd.Series(keys, dtype=object)
    return out


def _category_rules(
    rows: pd.DataFrame, summary: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]
) -> None:
    if rows.empty:
        return
    j = rows.join(summary, on="工伤认定编号")
    for column in ("first_date", "pending_date", "last_concluded"):
        # Injuries without appraisals join as NaN of no type: make them dates for the arithmetic.
        j[column] = pd.to_datetime(j[column])
    applied = fields.parse_dates(j["申请日期"])
    same = [
        isinstance(keys, set) and (cat, day) in keys
        for keys, cat, day in zip(j["keys"], j["鉴定类别"], applied, strict=True)
    ]
    v.unchanged |= set(j.index[same])
    j, applied = j[[not s for s in same]], applied[[not s for s in same]]
    cat, last = j["鉴定类别"], j["last_concluded"]
    checks = [
        ("鉴定类别", "first_appraisal_exists", (cat == INITIAL) & j["first_date"].notna()),
        ("鉴定类别", "appraisal_pending", j["pending_date"].notna()),
        ("鉴定类别", "no_conclusion", (cat != INITIAL) & last.isna()),
        ("申请日期", "review_too_early", (cat == REVIEW) & (applied < last + REVIEW_AFTER)),
        ("鉴定类别", "reappraisal_final", (cat == AGAIN) & (j["last_category"] == AGAIN)),
        ("申请日期", "reappraisal_before_conclusion", (cat == AGAIN) & (applied < last)),
        ("申请日期", "reappraisal_too_late", (cat == AGAIN) & (applied > last + AGAIN_WITHIN)),
    ]
    flagged: set[int] = set()
    for column, code, mask in checks:
        # One error per row: the first rule it breaks is the one to fix first.
        for row in j.index[mask.fillna(False).astype(bool)]:
            if row not in flagged:
                flagged.add(row)
                v.errors.append(_error(j, row, column, letters, code, **_fields(j, row, code)))


def _fields(j: pd.DataFrame, row: int, code: str) -> dict[str, object]:
    """What the category messages name: dates of the first, pending and last appraisals."""
    last = j.at[row, "last_concluded"]
    first_state = "正在审核" if j.at[row, "first_state"] == injuries.PENDING else (
        f"结论: {j.at[row, 'first_grade']}, {j.at[row, 'first_care']}"
    )  # fmt: skip
    pending = code == "appraisal_pending"
    return {
        "date": _day(j.at[row, "pending_date" if pending else "first_date"]),
        "state": first_state,
        "category": j.at[row, "pending_category" if pending else "鉴定类别"],
        "concluded": _day(last),
        "earliest": _day(last + REVIEW_AFTER if pd.notna(last) else None),
        "latest": _day(last + AGAIN_WITHIN if pd.notna(last) else None),
    }


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _error(rows: pd.DataFrame, row, column: str, letters: dict[str, str], code: str, **kw):
    kw.setdefault("value", rows.at[row, column])
    return persons.error(row, column, letters, code, **kw)


# What the preview compares (see `current`): the injury's appraisal standing, as the
# category and date of its latest application and that application's conclusion.
GRADE, SELF_CARE = "伤残等级", "生活自理障碍"
COMPARED = ("鉴定类别", "申请日期", GRADE, SELF_CARE)


def add_conclusion_columns(verdict: Verdictish, ctx: RuleContext) -> None:
    """A row applies for an appraisal and states no conclusion (the reviewer gives it):
    its 伤残等级 and 生活自理障碍 are "", beside what the registry holds (see `current`)."""
    verdict.df[GRADE] = ""
    verdict.df[SELF_CARE] = ""


def current(judgement: Judgement) -> pd.DataFrame:
    """Per row whose injury has an application standing (pending or concluded; a rejected
    one does not stand): that application, the row's own one when it stands already,
    else the latest, with its conclusion ("" while pending). A 复查鉴定 row over a
    concluded 初次鉴定 shows 初次鉴定 → 复查鉴定 and 八级 → (to be concluded); an injury
    never appraised is new (absent), and so is a number not approved here for the row's
    person."""
    rows, found = judgement.rows, judgement.state.appraisals
    # Only an injury approved here for the row's person: another employer's injury (a
    # mistyped number) is an error of `judge`, and its appraisals are not this one's to see.
    mine = judgement.state.injuries
    mine = mine[mine["employer_id"] == judgement.employer_id].set_index("injury_no")["person_id"]
    owned = rows["工伤认定编号"].map(mine).eq(rows["证件号码"])
    rows = rows[owned.to_numpy(dtype=bool, na_value=False)]
    standing = found[found["state"] != injuries.REJECTED]
    standing = standing.assign(
        _day=pd.to_datetime(standing["applied_date"]).dt.strftime("%Y-%m-%d")
    ).sort_values(["_day", "id"])
    key = rows[["工伤认定编号", "鉴定类别", "申请日期"]].astype(str).reset_index(names="_row")
    by_key = standing.rename(
        columns={"injury_no": "工伤认定编号", "category": "鉴定类别", "_day": "申请日期"}
    )
    own = key.merge(by_key.drop_duplicates(["工伤认定编号", "鉴定类别", "申请日期"], keep="last"))
    latest = by_key.drop_duplicates("工伤认定编号", keep="last")
    rest = key[~key["_row"].isin(own["_row"])][["_row", "工伤认定编号"]]
    j = pd.concat([own, rest.merge(latest, on="工伤认定编号")], ignore_index=True)
    out = pd.DataFrame(
        {
            "鉴定类别": j["鉴定类别"].astype(str).to_numpy(),
            "申请日期": j["申请日期"].astype(str).to_numpy(),
            GRADE: j["grade"].fillna("").astype(str).to_numpy(),
            SELF_CARE: j["self_care"].fillna("").astype(str).to_numpy(),
        },
        index=pd.Index(j["_row"], name=rows.index.name),
        columns=list(COMPARED),
    )
    return out.sort_index()


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Nothing is applied without a reviewer: every valid row goes to review (`review`),
    and what its upload writes is `declare`'s."""
    return []


APPRAISAL_COLUMNS = [
    "injury_no", "employer_id", "category", "applied_date", "note", "state", "batch_id",
    "excel_row", "created_at",
]  # fmt: skip


def declare(rows: pd.DataFrame, target: Target) -> list[Write]:
    """A pending appraisal per row, linked to the row's pending declaration."""
    now = db_now()
    cols = columns(rows, "工伤认定编号", "鉴定类别", "申请日期", "备注")
    records = [
        (number, target.employer_id, category, day, none_if_blank(note), injuries.PENDING,
         target.batch_id, int(row), now)
        for row, (number, category, day, note) in zip(rows.index, zip(*cols, strict=True),
                                                      strict=True)
    ]  # fmt: skip
    link = injuries.LINK_SQL.format(table="appraisals")
    return [
        Insert("appraisals", APPRAISAL_COLUMNS, records),
        Update(link, link.replace("?", "%s"), [(target.batch_id,)]),
    ]


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=("工伤认定编号", "鉴定类别", "申请日期"),
    read_state=read_state,
    judge=judge,
    plan=plan,
    subject="accident",
    review=always_reviewed,
    approve=review.conclude_appraisal,
    declare=declare,
    reject=review.reject_appraisal,
    withdraw=review.withdraw_appraisal,
    derive=add_conclusion_columns,
    # Every row goes to review: no `revert` (undo withdraws it while pending).
    compared_columns=COMPARED,
    current=current,
)
