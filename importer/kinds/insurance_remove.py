"""人员险种减少 (`insurance_remove`): stop one insurance of an employee who stays insured here.

One row per person and insurance (险种), with the stop month (停止年月) and a reason.
The person must be enrolled here with the registered name and the insurance active
here; 停止年月 not before that insurance's start month and not after next month. A row
the registry already holds (that insurance stopped here in that month) is unchanged;
stopped in another month is an error naming the month and reason. The other
insurances stay active (to stop them all, 人员减少); a row stopping the person's last
insurance here is applied with a warning saying so.

The template can be downloaded pre-filled with the employer's active persons (姓名,
证件号码). A pre-filled row whose action columns (险种, 停止年月, 减少原因) are all
still blank is a row nobody touched: it is skipped, not declared, and one sheet-level
提示 counts those rows; a row with some of them filled is judged as usual.

Preview and undo: the row's insurance column is derived as 否 (the preview says
失业保险 是 → 否, 停止年月 "" → 202611); undo restarts the enrolment it stopped.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pandera.pandas as pa

import validators.checks
from importer.apply import Target, Update, Write, columns, none_if_blank
from importer.kinds import persons
from importer.kinds.base import Judgement, Kind, RegistryVerdict
from validators import codes, row_rules
from validators.codes import INSURANCE_COLUMNS, INSURANCES
from validators.context import month_label
from validators.models import OnePerPersonAndInsurance, PersonIdChecks, model_for
from validators.sheet import SheetRules
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, ColumnSpec, KindSpec, code_column

# 减少原因 (only 人员险种减少 offers this list).
INSURANCE_REMOVE_REASONS = ["达到退休年龄", "重复参保", "转往他处参保", "其他"]

SPEC = KindSpec(
    kind="insurance_remove",
    title="人员险种减少",
    purpose="为仍在本单位参保的职工停止某一个险种, 每行一人一个险种; 其他险种照常参保。",
    version=1,
    columns=(
        NAME_COLUMN,
        ID_COLUMN,
        code_column("险种", codes.INSURANCE_CHOICES, width=12, hint="一行一个险种; 同一人减少两个险种请填两行"),
        ColumnSpec("停止年月", "month", True, width=10, hint="6 位年月, 如 202611; 不能早于该险种的开始年月, 不能晚于下月"),
        code_column("减少原因", INSURANCE_REMOVE_REASONS, width=14),
        NOTE_COLUMN,
    ),
    example=("张伟", "330682199003150018", "失业保险", "202611", "达到退休年龄", ""),
)  # fmt: skip

# The messages of the codes only 人员险种减少 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "insurance_not_held_here": "此人在本单位没有参加{insurance}, 无法减少。请核对险种, 或在「单位人员名册」中查询此人的在保险种。",
    "insurance_already_stopped": "此人的{insurance}已于 {end} 在本单位停止(原因: {reason}), 无需再次减少。",
    "insurance_stop_before_start": "停止年月 {month} 早于此人{insurance}的开始年月 {start}。请填写不早于 {start} 的年月。",
    "insurance_last_one": "停止{insurance}后, 此人在本单位已没有在保的险种, 但仍在单位人员名册中。如此人已离职或退休, 请办理人员减少。",
}


@model_for(SPEC)
class InsuranceRemoveModel(PersonIdChecks, OnePerPersonAndInsurance):
    """人员险种减少."""

    @pa.dataframe_check(name="month_too_late")
    def _stop_late(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_after_next(df["停止年月"], validators.checks.current_context())


RULES = SheetRules(spec=SPEC, model=InsuranceRemoveModel, month_column="停止年月")


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """Enrolled here with the registered name; the insurance active here and started no
    later than 停止年月; already stopped in that month = unchanged, in another = error."""
    letters = judgement.letters
    j = persons.not_enrolled_here(persons.joined(judgement), v, letters)
    persons.name_mismatch(j, v, letters)
    ins = j["险种"].map(INSURANCE_COLUMNS)
    month = j["停止年月"]
    held = persons.for_insurance(j, "held", ins).eq(True)
    start = persons.for_insurance(j, "start", ins)
    for row in j.index[held & (month < start)]:
        _error(v, letters, row, j, "停止年月", "insurance_stop_before_start",
               start=month_label(start[row]))  # fmt: skip
    end = persons.for_insurance(j, "end", ins)
    reason = persons.for_insurance(j, "reason", ins)
    stopped = ~held & end.notna()
    same = stopped & (end == month)
    v.unchanged |= set(j.index[same]) - v.rows_in_error()
    for row in j.index[stopped & ~same]:
        _error(v, letters, row, j, "停止年月", "insurance_already_stopped",
               end=month_label(end[row]), reason=reason[row] or "未注明")  # fmt: skip
    for row in j.index[~held & ~stopped]:
        _error(v, letters, row, j, "险种", "insurance_not_held_here")
    _last_insurance(j[held], v, letters)


def _last_insurance(j: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> None:
    """A warning on rows that stop the person's last insurance here: the person stays on
    the roster with nothing insured, which is what 人员减少 is for if they left."""
    rows = j.drop(index=list(v.rows_in_error() & set(j.index)))
    if rows.empty:
        return
    held_here = sum(rows[f"held_{ins}"].eq(True).astype(int) for ins in INSURANCES)
    stopping = rows.groupby("证件号码")["险种"].transform("nunique")
    for row in rows.index[held_here <= stopping]:
        found = persons.error(
            row, "险种", letters, "insurance_last_one", value=rows.at[row, "险种"],
            insurance=INSURANCES[INSURANCE_COLUMNS[rows.at[row, "险种"]]],
        )  # fmt: skip
        v.warnings.append(replace(found, severity="warning"))


def _error(v: RegistryVerdict, letters, row, j: pd.DataFrame, column: str, code: str, **fields):
    insurance = INSURANCES[INSURANCE_COLUMNS[j.at[row, "险种"]]]
    month = month_label(j.at[row, "停止年月"])
    v.errors.append(
        persons.error(
            row, column, letters, code, value=j.at[row, column], insurance=insurance,
            month=month, **fields,
        )
    )  # fmt: skip


def still_current(judgement: Judgement) -> pd.Series:
    """A row whose insurance is stopped here in that very month is judged on substance
    (the name must still be the registered one)."""
    j = persons.joined(judgement)
    ins = j["险种"].map(INSURANCE_COLUMNS)
    held = persons.for_insurance(j, "held", ins).eq(True)
    return ~held & (persons.for_insurance(j, "end", ins) == j["停止年月"])


# What a row can change, in the sheet's terms: its insurance column (derived 否 in the
# row's 险种, see `persons.insurances_become`) and that insurance's stop month and reason.
COMPARED = (*persons.INSURANCE_HEADERS, "停止年月", "减少原因")


def current(judgement: Judgement) -> pd.DataFrame:
    """For rows of known persons: 是 / 否 for the row's insurance held here (the other
    insurance columns blank, as the row has them), and its latest stop month and reason
    here ("" while active or when it never stopped)."""
    here = persons.EnrolmentsHere.of(judgement.state, judgement.employer_id)
    rows = judgement.rows[here.known(judgement.rows["证件号码"])]
    ids, ins = rows["证件号码"], rows["险种"].map(INSURANCE_COLUMNS)
    held = here.held(ids, ins)
    stop = here.last_stop(ids, ins)
    out = here.own_column(ids, rows["险种"], held)
    out["停止年月"] = stop["end_month"].where(~held, "")
    out["减少原因"] = stop["stop_reason"].where(~held, "")
    return out[list(COMPARED)]


def revert(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Restart the enrolment each row stopped (its insurance, stopped in the row's month
    for its reason), back to the before-image (active, no end)."""
    params: list[tuple] = []
    for pid, name, month, reason, before in zip(
        *columns(rows, "证件号码", "险种", "停止年月", "减少原因", "_before"), strict=True
    ):
        if not isinstance(before, dict) or before.get(name) != "是":
            continue  # the insurance was not active here: the row stopped nothing
        end, why = none_if_blank(before["停止年月"]), none_if_blank(before["减少原因"])
        params.append((end, why, pid, target.employer_id, INSURANCE_COLUMNS[name], month, reason))
    return [persons.restart(params)]


STOP_SQLITE = (
    "UPDATE enrolments SET end_month = ?, status = 'stopped', stop_reason = ? "
    "WHERE person_id = ? AND employer_id = ? AND insurance = ? AND status = 'active'"
)
STOP_PG = STOP_SQLITE.replace("?", "%s")


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Stop the row's insurance of the person at this employer."""
    params = [
        (month, reason, pid, target.employer_id, INSURANCE_COLUMNS[name])
        for pid, name, month, reason in zip(
            *columns(rows, "证件号码", "险种", "停止年月", "减少原因"), strict=True
        )
    ]
    return [Update(STOP_SQLITE, STOP_PG, params)]


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=("证件号码", "险种", "停止年月"),
    read_state=persons.read_persons,
    judge=judge,
    plan=plan,
    derive=persons.insurances_become("否", own_only=True),
    still_current=still_current,
    prefill=persons.prefill_with(SPEC),
    prefilled_columns=("姓名", "证件号码"),
    compared_columns=COMPARED,
    current=current,
    revert=revert,
)
