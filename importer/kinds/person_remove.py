"""人员减少 (`person_remove`): stop every insurance of employees who leave.

One row per person and stop month. Reason 退休 is checked against the person's
retirement age (from the registry's birth date, gender and 个人身份): before the original
age (60 men / 55 women cadres / 50 women workers), or more than 3 years before the
statutory age, it is an error; from the later of those to the month before the statutory
(reformed) age it is 弹性提前退休 (人社部发〔2024〕94号):
the row carries a warning and goes to an agency reviewer instead of being applied, and
`approve` stops the enrolments once the reviewer agrees; from the statutory age on it is
plain.

The template can be downloaded pre-filled with the employer's active persons (姓名,
证件号码). A pre-filled row whose 减少原因 and 停保年月 are both still blank is a row
nobody touched: it is skipped, not declared, and one sheet-level 提示 counts those rows;
a row with only one of them filled is judged as usual (the other is "required").

Preview and undo: a row changes the stop month and reason and ends every insurance held
here (its four insurance columns are derived as 否, so the preview says 养老保险 是 → 否);
undo restarts exactly the enrolments the before-image held. Rows of 弹性提前退休 are
applied by the review desk's approval, not by the batch, and are not reverted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pandera.pandas as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

import validators.checks
from importer.apply import (
    Target,
    Update,
    Write,
    columns,
    lock_employer,
    none_if_blank,
    write_all,
)
from importer.kinds import persons
from importer.kinds.base import (
    Decision,
    DecisionRefused,
    Judgement,
    Kind,
    PendingDeclaration,
    RegistryVerdict,
)
from validators import retirement, row_rules
from validators.codes import INSURANCE_COLUMNS
from validators.context import RuleContext, month_label
from validators.models import OnePerPerson, PersonIdChecks, model_for
from validators.sheet import SheetRules
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, ColumnSpec, KindSpec, code_column

# 减少原因 (only 人员减少 offers this list).
REMOVE_REASONS = [
    "解除劳动合同",
    "终止劳动合同",
    "辞职",
    "退休",
    "死亡",
    "转出",
    "参军",
    "出国定居",
    "其他",
]

SPEC = KindSpec(
    kind="person_remove",
    title="人员减少",
    purpose="为离职、退休等原因不再在本单位参保的职工办理停保, 每行一人。",
    version=2,
    columns=(
        NAME_COLUMN,
        ID_COLUMN,
        code_column("减少原因", REMOVE_REASONS, width=14),
        ColumnSpec(
            "停保年月",
            "month",
            True,
            width=10,
            hint="6 位年月, 如 202611; 不能早于参保年月, 不能晚于下月",
        ),
        NOTE_COLUMN,
    ),
    example=("张伟", "330682199003150018", "辞职", "202611", ""),
)

# The messages of the codes only 人员减少 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "already_stopped": "此人已于 {end} 在本单位停保(原因: {reason}), 无需再次减少。",
    "stop_before_start": "停保年月 {month} 早于此人的参保年月 {start}。请填写不早于 {start} 的年月。",
    "retire_too_early": "减少原因为「退休」, 但此人 {month} 时还不能退休: 法定退休年龄在 {retire}, 弹性提前退休最早可于 {earliest} 起申请(最多提前 3 年, 且不早于原退休年龄 {original})。请核对减少原因或停保年月。",
    "flexible_early_retirement": "此人 {month} 已达到原退休年龄({original}), 但法定退休年龄在 {retire}: 按弹性提前退休(人社部发〔2024〕94号)办理, 需社保经办机构审核, 审核通过后才停保。请确认本人已书面申请且缴费年限已满最低年限。",
}


@model_for(SPEC)
class PersonRemoveModel(PersonIdChecks, OnePerPerson):
    """人员减少."""

    @pa.dataframe_check(name="month_too_late")
    def _stop_late(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_after_next(df["停保年月"], validators.checks.current_context())


RULES = SheetRules(spec=SPEC, model=PersonRemoveModel, month_column="停保年月")


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """Enrolled here with the registered name; stopped already in that month = unchanged,
    in another month = error; not before the start; 退休 not before the retirement age."""
    letters = judgement.letters
    j = persons.not_enrolled_here(persons.joined(judgement), v, letters)
    persons.name_mismatch(j, v, letters)
    active = j["active_latest_start"].notna()
    _already_stopped(j[~active], v, letters)
    live = j[active]
    month = live["停保年月"]
    for row in live.index[month < live["active_latest_start"]]:
        v.errors.append(
            persons.error(
                row, "停保年月", letters, "stop_before_start", value=month[row],
                month=month_label(month[row]),
                start=month_label(live.at[row, "active_latest_start"]),
            )
        )  # fmt: skip
    _retire_too_early(live[live["减少原因"] == "退休"], v, judgement.ctx, letters)


def _already_stopped(stopped: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> None:
    same = stopped["last_end"] == stopped["停保年月"]
    v.unchanged |= set(stopped.index[same]) - v.rows_in_error()
    for row in stopped.index[~same]:
        v.errors.append(
            persons.error(
                row, "停保年月", letters, "already_stopped", value=stopped.at[row, "停保年月"],
                end=month_label(stopped.at[row, "last_end"]),
                reason=stopped.at[row, "last_reason"] or "未注明",
            )
        )  # fmt: skip


def _retirement(rows: pd.DataFrame, ctx: RuleContext) -> tuple[pd.Series, pd.Series]:
    """(original-age month, statutory month) of each joined row's person, '' when unknown."""
    cats = retirement.categories(rows["reg_gender"].fillna(""), rows["reg_identity"].fillna(""))
    births = pd.to_datetime(rows["reg_birth"], errors="coerce")
    due = retirement.retirement_months(births, cats, ctx.retirement)
    return retirement.original_months(births, cats, ctx.retirement), due


def _flexible(rows: pd.DataFrame, ctx: RuleContext) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Of the joined 退休 rows: (before the original age, 弹性提前退休, and the months
    `original` and `due` of each)."""
    original, due = _retirement(rows, ctx)
    # Up to 3 years before the statutory age, never before the original one.
    earliest = retirement.earliest_flexible_months(original, due).where(due.ne(""), original)
    month = rows["停保年月"]
    early = earliest.ne("") & (month < earliest)
    flexible = due.ne("") & ~early & (month < due)
    return early, flexible, pd.DataFrame({"original": original, "earliest": earliest, "due": due})


def _retire_too_early(
    rows: pd.DataFrame, v: RegistryVerdict, ctx: RuleContext, letters: dict[str, str]
) -> None:
    """Before the original age: an error; from it to the statutory age: a warning (the row
    goes to review, see `review`)."""
    if rows.empty:
        return
    early, flexible, months = _flexible(rows, ctx)
    for row in rows.index[early | flexible]:
        code = "retire_too_early" if early[row] else "flexible_early_retirement"
        found = persons.error(
            row, "减少原因", letters, code, value="退休",
            retire=month_label(months.at[row, "due"]),
            original=month_label(months.at[row, "original"]),
            earliest=month_label(months.at[row, "earliest"]),
            month=month_label(rows.at[row, "停保年月"]),
        )  # fmt: skip
        if code == "retire_too_early":
            v.errors.append(found)
        else:
            v.warnings.append(replace(found, severity="warning"))


def review(judgement: Judgement) -> pd.Series:
    """弹性提前退休 rows (退休 between the original and the statutory age) go to review."""
    flags = pd.Series(False, index=judgement.rows.index)
    j = persons.joined(judgement)
    retiring = j[(j["减少原因"] == "退休") & j["reg_birth"].notna()]
    if not retiring.empty:
        _, flexible, _ = _flexible(retiring, judgement.ctx)
        flags[flexible.index[flexible]] = True
    return flags


_ACTIVE_HERE = (
    "SELECT count(*) FROM enrolments "
    "WHERE person_id = :pid AND employer_id = :employer AND status = 'active'"
)


def approve(
    session: Session, declaration: PendingDeclaration, decision: Decision
) -> dict[str, Any]:
    """An approved 弹性提前退休: stop the person's enrolments here as the row asked, with
    this kind's own plan, in the session's transaction (a rejection applies nothing)."""
    if not decision.approve:
        return {}
    payload = declaration.payload
    row = pd.DataFrame(
        [{h: str(payload.get(h) or "") for h in SPEC.headers}], index=[0], dtype="str"
    )
    params = {"pid": row.at[0, "证件号码"], "employer": declaration.employer_id}
    active = session.scalar(text(_ACTIVE_HERE), params) or 0
    if not active:
        raise DecisionRefused(
            "此人在本单位已没有在保的险种(可能已另行办理了减少), 无法按本申报停保。"
            "请查看此人的参保记录后, 退回本申报。"
        )
    lock_employer(session, declaration.employer_id)
    target = Target(declaration.employer_id, declaration.batch_id, frozenset())
    write_all(session, plan(row, target))
    return {"stopped": int(active), "end_month": row.at[0, "停保年月"]}


STOP_SQLITE = (
    "UPDATE enrolments SET end_month = ?, status = 'stopped', stop_reason = ? "
    "WHERE person_id = ? AND employer_id = ? AND status = 'active'"
)
STOP_PG = STOP_SQLITE.replace("?", "%s")


# What a row can change, in the sheet's terms: the stop month and reason, and each
# insurance held here (the row derives all four as 否, see `persons.insurances_become`).
COMPARED = ("停保年月", "减少原因", *persons.INSURANCE_HEADERS)


def current(judgement: Judgement) -> pd.DataFrame:
    """For rows of known persons: the stop month and reason here ("" while the person
    is still insured here, else their latest stop) and 是 / 否 per insurance held here."""
    here = persons.EnrolmentsHere.of(judgement.state, judgement.employer_id)
    rows = judgement.rows[here.known(judgement.rows["证件号码"])]
    ids = rows["证件号码"]
    stop = here.last_stop_of_person(ids, rows["减少原因"])
    insured = here.insured(ids)
    out = here.held_columns(ids)
    out["停保年月"] = stop["end_month"].where(~insured, "")
    out["减少原因"] = stop["stop_reason"].where(~insured, "")
    return out[list(COMPARED)]


def revert(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Restart the enrolments each row stopped: the insurances its before-image holds
    (是), stopped in the row's month for its reason, back to what the image says."""
    params: list[tuple] = []
    for pid, month, reason, before in zip(
        *columns(rows, "证件号码", "停保年月", "减少原因", "_before"), strict=True
    ):
        if not isinstance(before, dict):  # the person was not here: nothing was stopped
            continue
        end, why = none_if_blank(before["停保年月"]), none_if_blank(before["减少原因"])
        params.extend(
            (end, why, pid, target.employer_id, ins, month, reason)
            for column, ins in INSURANCE_COLUMNS.items()
            if before.get(column) == "是"
        )
    return [persons.restart(params)]


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Stop every active enrolment of the persons of `rows` at this employer."""
    params = [
        (month, reason, pid, target.employer_id)
        for pid, month, reason in zip(
            *columns(rows, "证件号码", "停保年月", "减少原因"), strict=True
        )
    ]
    return [Update(STOP_SQLITE, STOP_PG, params)]


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=("证件号码", "停保年月"),
    read_state=persons.read_persons,
    judge=judge,
    plan=plan,
    review=review,
    approve=approve,
    derive=persons.insurances_become("否", own_only=False),
    prefill=persons.prefill_with(SPEC),
    prefilled_columns=("姓名", "证件号码"),
    compared_columns=COMPARED,
    current=current,
    revert=revert,
)
