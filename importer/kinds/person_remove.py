"""人员减少 (`person_remove`): stop every insurance of employees who leave.

One row per person and stop month. Reason 退休 is checked against the person's
retirement age: before the original age it is an error; between the original and the
statutory (reformed) age it is 弹性提前退休 and goes to an agency reviewer.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import validators.checks
from importer.apply import Target, Update, Write, columns
from importer.kinds import persons
from importer.kinds.base import Judgement, Kind, RegistryVerdict
from validators import codes, retirement, row_rules
from validators.context import RuleContext, month_label
from validators.models import OnePerPerson, PersonIdChecks, field_for
from validators.sheet import SheetRules
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, ColumnSpec, KindSpec, code_column

SPEC = KindSpec(
    kind="person_remove",
    title="人员减少",
    purpose="为离职、退休等原因不再在本单位参保的职工办理停保, 每行一人。",
    version=2,
    columns=(
        NAME_COLUMN,
        ID_COLUMN,
        code_column("减少原因", codes.REMOVE_REASONS, width=14),
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


class PersonRemoveModel(PersonIdChecks, OnePerPerson):
    """人员减少."""

    name: Series[str] = field_for(SPEC, "姓名")
    id_number: Series[str] = field_for(SPEC, "证件号码")
    reason: Series[str] = field_for(SPEC, "减少原因")
    stop_month: Series[str] = field_for(SPEC, "停保年月")
    note: Series[str] = field_for(SPEC, "备注")

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


def _retire_too_early(
    rows: pd.DataFrame, v: RegistryVerdict, ctx: RuleContext, letters: dict[str, str]
) -> None:
    if rows.empty:
        return
    cats = [
        retirement.category(g or "", i or "")
        for g, i in zip(rows["reg_gender"], rows["reg_identity"], strict=True)
    ]
    births = pd.to_datetime(rows["reg_birth"], errors="coerce")
    due = retirement.retirement_months(births, pd.Series(cats, index=rows.index), ctx.retirement)
    early = due.ne("") & (rows["停保年月"] < due)
    for row in rows.index[early]:
        v.errors.append(
            persons.error(
                row, "减少原因", letters, "retire_too_early", value="退休",
                retire=month_label(due[row]), month=month_label(rows.at[row, "停保年月"]),
            )
        )  # fmt: skip


STOP_SQLITE = (
    "UPDATE enrolments SET end_month = ?, status = 'stopped', stop_reason = ? "
    "WHERE person_id = ? AND employer_id = ? AND status = 'active'"
)
STOP_PG = STOP_SQLITE.replace("?", "%s")


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
    key_columns=("证件号码", "停保年月"),
    read_state=persons.read_persons,
    judge=judge,
    plan=plan,
)
