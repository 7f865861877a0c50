"""人员险种增加 (`insurance_add`): enrol an employee already insured here in one more insurance.

One row per person and insurance (险种), from a start month (开始年月, the window of
人员增加's 参保年月). The person must be active here with the registered name; the
insurance not yet active here nor at another employer. A row the registry already holds
(that insurance active here from that month) is unchanged; active from another month is
an error naming it. Adding 养老保险 or 失业保险 at or past statutory retirement age is
refused by the rule of 人员增加, judged on the birth date, gender and 个人身份 the
registry holds. There is no wage column: the person's current base stays their base.

The template can be downloaded pre-filled with the employer's active persons (姓名,
证件号码); rows whose 险种 and 开始年月 are both left blank are skipped (see
`Kind.prefilled_columns`).

Preview and undo: the row's insurance column is derived as 是 (the preview says
失业保险 否 → 是, 开始年月 "" → 202611); undo deletes the enrolment the batch inserted.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

import validators.checks
from importer.apply import Delete, Insert, Target, Write, columns
from importer.kinds import persons
from importer.kinds.base import Judgement, Kind, RegistryVerdict
from validators import codes, row_rules
from validators.codes import INSURANCE_COLUMNS, INSURANCES
from validators.context import month_label
from validators.models import OnePerPersonAndInsurance, PersonIdChecks, model_for
from validators.sheet import SheetRules
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, ColumnSpec, KindSpec, code_column

SPEC = KindSpec(
    kind="insurance_add",
    title="人员险种增加",
    purpose="为已在本单位参保的职工增加参保险种, 每行一人一个险种。",
    version=1,
    columns=(
        NAME_COLUMN,
        ID_COLUMN,
        code_column("险种", codes.INSURANCE_CHOICES, width=12, hint="一行一个险种; 同一人增加两个险种请填两行"),
        ColumnSpec("开始年月", "month", True, width=10, hint="6 位年月, 如 202611; 不能晚于下月, 不能早于 12 个月前"),
        NOTE_COLUMN,
    ),
    example=("张伟", "330682199003150018", "失业保险", "202611", ""),
)  # fmt: skip

# The messages of the codes only 人员险种增加 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "insurance_already_active": "此人的{insurance}已在本单位参保(开始年月 {start}), 不能重复增加。如需改变开始年月, 请先办理人员险种减少。",
    "insurance_active_elsewhere": "此人的{insurance}正在其他单位({employer})参保, 同一险种不能在两家单位同时参保。请先由原单位办理该险种的减少。",
    "insurance_overlaps_history": "此人的{insurance}在本单位上一次于 {end} 停止, 开始年月 {month} 须晚于 {end}。请核对开始年月。",
    "insurance_before_employment": "开始年月 {month} 早于此人在本单位的参保年月 {start}。请填写不早于 {start} 的年月。",
    "insurance_past_retirement": "此人应于 {retire} 达到法定退休年龄, 开始年月 {month} 已到龄, 不能再参加{insurance}(到龄后可以只参加工伤保险、医疗保险)。请删除本行, 或核对出生日期、个人身份。",
}


@model_for(SPEC)
class InsuranceAddModel(PersonIdChecks, OnePerPersonAndInsurance):
    """人员险种增加."""

    @pa.dataframe_check(name="month_too_late")
    def _start_late(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_after_next(df["开始年月"], validators.checks.current_context())

    @pa.dataframe_check(name="month_too_early")
    def _start_early(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_too_early(df["开始年月"], validators.checks.current_context())


RULES = SheetRules(spec=SPEC, model=InsuranceAddModel, month_column="开始年月")


def _insurance_codes(rows: pd.DataFrame) -> pd.Series:
    """The insurance code (110 ...) of each row's 险种."""
    return rows["险种"].map(INSURANCE_COLUMNS)


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """Active here with the registered name; the insurance not held here (unchanged when
    held from the same month) nor elsewhere, not overlapping its last stop here, not
    before the person's enrolment here; 养老/失业 not at or past retirement age."""
    letters = judgement.letters
    j = persons.not_active_here(persons.joined(judgement), v, letters)
    persons.name_mismatch(j, v, letters)
    ins = _insurance_codes(j)
    month = j["开始年月"]
    held = persons.for_insurance(j, "held", ins).eq(True)
    start = persons.for_insurance(j, "start", ins)
    same = held & (start == month)
    v.unchanged |= set(j.index[same]) - v.rows_in_error()
    for row in j.index[held & ~same]:
        _error(v, letters, row, j, "insurance_already_active", start=month_label(start[row]))
    free = j[~held]
    _not_free(free, ins[~held], v, letters)
    _retired(free, ins[~held], v, judgement)


def _error(v: RegistryVerdict, letters, row, j: pd.DataFrame, code: str, **fields) -> None:
    column = "开始年月" if code.startswith("insurance_before") else "险种"
    fields.setdefault("insurance", INSURANCES[INSURANCE_COLUMNS[j.at[row, "险种"]]])
    fields.setdefault("month", month_label(j.at[row, "开始年月"]))
    v.errors.append(persons.error(row, column, letters, code, value=j.at[row, column], **fields))


def _not_free(j: pd.DataFrame, ins: pd.Series, v: RegistryVerdict, letters) -> None:
    """Errors for rows whose insurance is active elsewhere, whose start overlaps its last
    stop here, or which start before the person's current enrolment here."""
    month = j["开始年月"]
    away = persons.for_insurance(j, "away", ins)
    for row in j.index[away.notna()]:
        _error(v, letters, row, j, "insurance_active_elsewhere", employer=away[row])
    end = persons.for_insurance(j, "end", ins)
    for row in j.index[end.notna() & (end.fillna("") >= month)]:
        _error(v, letters, row, j, "insurance_overlaps_history", end=month_label(end[row]))
    for row in j.index[month < j["active_start"]]:
        start = month_label(j.at[row, "active_start"])
        _error(v, letters, row, j, "insurance_before_employment", start=start)


def _retired(j: pd.DataFrame, ins: pd.Series, v: RegistryVerdict, judgement: Judgement) -> None:
    """养老保险 / 失业保险 from a month at or past statutory retirement age: the rule of
    人员增加, on the person's facts as the registry holds them."""
    barred = j[ins.isin([INSURANCE_COLUMNS[c] for c in row_rules.RETIREMENT_BARRED])]
    if barred.empty:
        return
    births = pd.to_datetime(barred["reg_birth"], errors="coerce")
    genders, identities = barred["reg_gender"].fillna(""), barred["reg_identity"].fillna("")
    ctx = judgement.ctx
    ok = row_rules.before_retirement(births, genders, identities, barred["开始年月"], ctx)
    if ok.all():
        return
    late = barred[~ok]
    retire = row_rules.retirement_months_for(
        pd.to_datetime(late["reg_birth"], errors="coerce"),
        late["reg_gender"].fillna(""),
        late["reg_identity"].fillna(""),
        ctx,
    )
    for row in late.index:
        _error(
            v, judgement.letters, row, j, "insurance_past_retirement",
            retire=month_label(retire[row]),
        )  # fmt: skip


def still_current(judgement: Judgement) -> pd.Series:
    """A row whose insurance is still active here from that month is judged on substance
    (its name must still be the registered one)."""
    j = persons.joined(judgement)
    ins = _insurance_codes(j)
    held = persons.for_insurance(j, "held", ins).eq(True)
    return held & (persons.for_insurance(j, "start", ins) == j["开始年月"])


# What a row can change, in the sheet's terms: its insurance column (derived 是 in the
# row's 险种, see `persons.insurances_become`) and that insurance's start month.
COMPARED = (*persons.INSURANCE_HEADERS, "开始年月")


def current(judgement: Judgement) -> pd.DataFrame:
    """For rows of known persons: 是 / 否 for the row's insurance held here (the other
    insurance columns blank, as the row has them) and its start month here ("" unless
    active)."""
    here = persons.EnrolmentsHere.of(judgement.state, judgement.employer_id)
    rows = judgement.rows[here.known(judgement.rows["证件号码"])]
    ids = rows["证件号码"]
    ins = _insurance_codes(rows)
    out = here.own_column(ids, rows["险种"], here.held(ids, ins))
    out["开始年月"] = here.start(ids, ins)
    return out[list(COMPARED)]


def revert(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Delete the enrolment each row inserted (this batch's, for the row's insurance)."""
    keys = [
        (pid, target.employer_id, INSURANCE_COLUMNS[name], target.batch_id)
        for pid, name in zip(*columns(rows, "证件号码", "险种"), strict=True)
    ]
    return [Delete("enrolments", ("person_id", "employer_id", "insurance", "batch_id"), keys)]


ENROLMENT_COLUMNS = [
    "person_id", "employer_id", "insurance", "start_month", "status", "start_reason",
    "batch_id",
]  # fmt: skip
START_REASON = "险种增加"


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """One new active enrolment per row (the person and their base are already here)."""
    enrolments = [
        (pid, target.employer_id, INSURANCE_COLUMNS[name], month, "active", START_REASON,
         target.batch_id)
        for pid, name, month in zip(*columns(rows, "证件号码", "险种", "开始年月"), strict=True)
    ]  # fmt: skip
    return [Insert("enrolments", ENROLMENT_COLUMNS, enrolments)]


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=("证件号码", "险种", "开始年月"),
    read_state=persons.read_persons,
    judge=judge,
    plan=plan,
    derive=persons.insurances_become("是", own_only=True),
    still_current=still_current,
    prefill=persons.prefill_with(SPEC),
    prefilled_columns=("姓名", "证件号码"),
    compared_columns=COMPARED,
    current=current,
    revert=revert,
)
