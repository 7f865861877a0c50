"""人员增加 (`person_add`): register new or returning employees and enrol them.

One row per person: who they are, from which month, in which insurances, at what wage.
The base is the wage clamped to the year's floor and cap (a warning when clamped).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from sqlalchemy.orm import Session

import validators.checks
from importer.apply import Delete, Insert, Target, Update, Upsert, Write, columns, none_if_blank
from importer.kinds import persons
from importer.kinds.base import Judgement, Kind, RegistryVerdict, Verdictish
from registry.bulk import db_now
from registry.state import person_details
from validators import codes, fields, row_rules
from validators.bases import clamp_bases
from validators.codes import INSURANCE_COLUMNS, INSURANCES
from validators.context import RuleContext, month_label
from validators.models import OnePerPerson, PersonIdChecks, model_for
from validators.sheet import SheetRules
from validators.specs import (
    ID_COLUMN,
    NAME_COLUMN,
    NOTE_COLUMN,
    ColumnSpec,
    KindSpec,
    code_column,
)

# The code lists only 人员增加 offers (the shared ones are in validators.codes).
HUKOU = ["城镇", "农村"]
EMPLOYMENT_FORMS = ["劳动合同制", "劳务派遣", "非全日制", "其他"]
ADD_REASONS = ["新参保", "续保", "转入", "其他"]
ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族",
    "珞巴族", "基诺族", "其他", "外国血统",
]  # fmt: skip

SPEC = KindSpec(
    kind="person_add",
    title="人员增加",
    purpose="为新招用或转入的职工办理参保登记, 每行一人。",
    version=2,
    columns=(
        NAME_COLUMN,
        code_column("证件类型", codes.ID_TYPES, required=False, default="居民身份证", width=16),
        ID_COLUMN,
        code_column("性别", codes.GENDERS, width=8),
        ColumnSpec("出生日期", "date", True, width=12, hint="如 1990-01-31, 须与身份证号码一致"),
        code_column("民族", ETHNICITIES, required=False, width=10),
        code_column("户口性质", HUKOU, width=10),
        code_column("个人身份", codes.IDENTITIES, width=10, hint="女职工的退休年龄按工人或干部区分"),
        code_column("用工形式", EMPLOYMENT_FORMS, width=12),
        ColumnSpec("参加工作日期", "date", False, width=14),
        code_column("增加原因", ADD_REASONS, width=10),
        ColumnSpec("参保年月", "month", True, width=10, hint="6 位年月, 如 202611; 不能晚于下月, 不能早于 12 个月前"),
        ColumnSpec("月缴费工资", "money", True, width=12, hint="元, 最多两位小数; 低于下限或高于上限的按下限或上限核定"),
        code_column("养老保险", codes.YES_NO, width=10),
        code_column("医疗保险", codes.YES_NO, width=10),
        code_column("失业保险", codes.YES_NO, width=10),
        code_column("工伤保险", codes.YES_NO, width=10),
        ColumnSpec("联系电话", "phone", True, width=14, hint="11 位手机号, 或带区号的固定电话如 0575-82123456"),
        NOTE_COLUMN,
    ),
    example=(
        "张伟", "居民身份证", "330682199003150018", "男", "1990-03-15", "汉族", "城镇", "工人",
        "劳动合同制", "2012-07-01", "新参保", "202611", "6500", "是", "是", "是", "是",
        "13812345678", "",
    ),
)  # fmt: skip

# The messages of the codes only 人员增加 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "foreign_id_format": "外国人永久居留身份证号码「{value}」应为 3 个字母加 12 位数字, 或 18 位新版号码。请对照证件重新填写。",
    "passport_format": "护照号码「{value}」应为 5-20 位字母或数字。请对照护照重新填写。",
    "gender_mismatch": "性别填的是「{value}」, 但证件号码第 17 位表示「{expected}」。请核对性别或证件号码。",
    "birth_mismatch": "出生日期 {value} 与证件号码中的出生日期 {expected} 不一致。请核对出生日期或证件号码。",
    "no_insurance": "养老、医疗、失业、工伤四个险种都是「否」, 至少要参加一个险种。请把要参加的险种改为「是」。",
    "too_young": "按出生日期 {born}, 此人在 {month} 时不满 {min_age} 周岁, 不能参保。请核对出生日期或参保年月。",
    "pension_past_retirement": "此人应于 {retire} 达到法定退休年龄, 参保年月 {month} 已到龄, 不能再参加企业职工基本养老保险。请把养老保险改为「否」, 或核对出生日期、个人身份。",
    "unemployment_past_retirement": "此人应于 {retire} 达到法定退休年龄, 参保年月 {month} 已到龄, 不能再参加失业保险。请把失业保险改为「否」(到龄后可以只参加工伤保险、医疗保险), 或核对出生日期、个人身份。",
    "work_before_birth": "参加工作日期 {value} 早于出生日期。请核对。",
    "already_active_here": "此人已在本单位参保(参保年月 {start}), 不能重复增加。如需改变参保信息, 请先办理人员减少。",
    "active_elsewhere": "此人的{insurance}正在其他单位({employer})参保, 同一险种不能在两家单位同时参保。请先由原单位办理减少, 或把{columns}改为「否」。",
    "overlaps_history": "此人在本单位上一次参保到 {end} 停保, 参保年月须晚于 {end}。请核对参保年月。",
}


@model_for(SPEC)
class PersonAddModel(PersonIdChecks, OnePerPerson):
    """人员增加."""

    @classmethod
    def _resident_ids(cls, df: pd.DataFrame) -> pd.Series | None:
        return row_rules.gb_typed(df)

    @pa.dataframe_check(name="foreign_id_format")
    def _foreign_id(cls, df: pd.DataFrame) -> pd.Series:
        typed = df["证件类型"].eq("外国人永久居留身份证")
        return row_rules.only_where(
            typed, fields.matches(df["证件号码"], fields.FOREIGN_PR_PATTERN)
        )

    @pa.dataframe_check(name="passport_format")
    def _passport(cls, df: pd.DataFrame) -> pd.Series:
        typed = df["证件类型"].eq("护照")
        return row_rules.only_where(typed, fields.matches(df["证件号码"], fields.PASSPORT_PATTERN))

    @pa.dataframe_check(name="gender_mismatch")
    def _gender(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.gender_matches_id(df, validators.checks.today())

    @pa.dataframe_check(name="birth_mismatch")
    def _birth(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.birth_matches_id(df, validators.checks.today())

    @pa.dataframe_check(name="work_before_birth")
    def _work_start(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.work_after_birth(df, validators.checks.today())

    @pa.dataframe_check(name="no_insurance")
    def _any_insurance(cls, df: pd.DataFrame) -> pd.Series:
        answers = df[list(codes.INSURANCE_COLUMNS)]
        all_answered = answers.isin(codes.YES_NO).all(axis=1)
        return ~all_answered | answers.eq("是").any(axis=1)

    @pa.dataframe_check(name="month_too_late")
    def _start_late(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_after_next(df["参保年月"], validators.checks.current_context())

    @pa.dataframe_check(name="month_too_early")
    def _start_early(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.month_not_too_early(df["参保年月"], validators.checks.current_context())

    @pa.dataframe_check(name="too_young")
    def _min_age(cls, df: pd.DataFrame) -> pd.Series:
        return row_rules.old_enough(df, validators.checks.current_context())

    @pa.dataframe_check(name="pension_past_retirement")
    def _retired(cls, df: pd.DataFrame) -> pd.Series:
        ctx = validators.checks.current_context()
        return row_rules.insurance_before_retirement(df, ctx, "养老保险")

    @pa.dataframe_check(name="unemployment_past_retirement")
    def _retired_unemployment(cls, df: pd.DataFrame) -> pd.Series:
        ctx = validators.checks.current_context()
        return row_rules.insurance_before_retirement(df, ctx, "失业保险")


RULES = SheetRules(
    spec=SPEC,
    model=PersonAddModel,
    check_columns={
        "foreign_id_format": "证件号码",
        "passport_format": "证件号码",
        "gender_mismatch": "性别",
        "birth_mismatch": "出生日期",
        "work_before_birth": "参加工作日期",
        "no_insurance": "养老保险",
        "too_young": "参保年月",
        "pension_past_retirement": "养老保险",
        "unemployment_past_retirement": "失业保险",
    },
    month_column="参保年月",
)


def add_bases(verdict: Verdictish, ctx: RuleContext) -> None:
    """The base of every valid row: its wage clamped to the year's floor and cap."""
    df = verdict.df
    ok = verdict.candidates()
    df["_base"] = df["月缴费工资"]
    df["_clamped"] = False
    if ok.empty:
        return
    bases, clamped, warnings = clamp_bases(
        df.loc[ok, "月缴费工资"],
        df.loc[ok, "参保年月"],
        ctx,
        "月缴费工资",
        verdict.letters.get("月缴费工资"),
    )
    df.loc[ok, "_base"] = bases
    df.loc[ok, "_clamped"] = clamped
    verdict.issues.extend(warnings)


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """Not active here already (unchanged when exactly this is held), no overlap with the
    last stop here, the registered name, no insurance active at another employer."""
    j = persons.joined(judgement)
    letters = judgement.letters
    v.registered = persons.registered(judgement)
    month = j["参保年月"]
    active = j["active_start"].notna()
    # Unchanged only when the registry holds exactly this: same start month and the same
    # insurances. Asking for another insurance (or one fewer) contradicts what it holds.
    same_insurances = pd.Series(True, index=j.index)
    for column, ins in INSURANCE_COLUMNS.items():
        same_insurances &= j[column].eq("是") == j[f"held_{ins}"].eq(True)
    same = active & (j["active_start"] == month) & same_insurances
    v.unchanged |= set(j.index[same])
    # Plain lists, not `.at` per row: a sheet sent again holds an error on every row.
    held = j[active & ~same]
    for row, id_number, start in zip(
        held.index.tolist(), held["证件号码"].tolist(), held["active_start"].tolist(), strict=True
    ):
        v.errors.append(
            persons.error(
                row, "证件号码", letters, "already_active_here",
                value=id_number, start=month_label(start),
            )
        )  # fmt: skip
    overlap = j[~active & j["last_end"].notna() & (j["last_end"].fillna("") >= month)]
    for row, asked, end in zip(
        overlap.index.tolist(),
        overlap["参保年月"].tolist(),
        overlap["last_end"].tolist(),
        strict=True,
    ):
        v.errors.append(
            persons.error(
                row, "参保年月", letters, "overlaps_history", value=asked, end=month_label(end)
            )
        )  # fmt: skip
    persons.name_mismatch(j, v, letters)
    _active_elsewhere(j[~active], v, letters)


def _active_elsewhere(j: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> None:
    """One error per row insured elsewhere, naming every insurance concerned and where:
    the contradiction is the person's, not one per column (a sheet sent again for
    another employer would otherwise carry four errors on every row)."""
    clash = pd.DataFrame(
        {c: j[c].eq("是") & j[f"away_{ins}"].notna() for c, ins in INSURANCE_COLUMNS.items()}
    )
    clash = clash[clash.any(axis=1)]
    if clash.empty:
        return
    rows = clash.index
    employers = pd.DataFrame(
        {c: j.loc[rows, f"away_{ins}"].where(clash[c], "") for c, ins in INSURANCE_COLUMNS.items()}
    )
    names = _joined(clash, {c: INSURANCES[ins] for c, ins in INSURANCE_COLUMNS.items()})
    columns_ = _joined(clash, {c: c for c in INSURANCE_COLUMNS})
    first = clash.idxmax(axis=1)
    cells = employers.to_numpy(dtype=object)
    where = cells[np.arange(len(rows)), clash.to_numpy().argmax(axis=1)]
    # Rare: the insurances are held at different employers; each is then named with its own.
    mixed = ((cells != "") & (cells != where[:, None])).any(axis=1)
    shown = where.copy()
    for m in np.flatnonzero(mixed):
        shown[m] = "; ".join(
            f"{c}在{e}" for c, e in zip(employers.columns, cells[m], strict=True) if e
        )
    # Plain lists: one `.iat` per row and column costs more than the messages themselves.
    for row, column, insurance, employer, cols in zip(
        rows.tolist(),
        first.tolist(),
        names.tolist(),
        shown.tolist(),
        columns_.tolist(),
        strict=True,
    ):
        v.errors.append(
            persons.error(
                row, column, letters, "active_elsewhere", value="是",
                insurance=insurance, employer=employer, columns=cols,
            )
        )  # fmt: skip


def _joined(flags: pd.DataFrame, labels: dict[str, str]) -> pd.Series:
    """Per row, the labels of the flagged columns joined by 、 (column-wise, no row loop)."""
    out = pd.Series("", index=flags.index)
    for column, label in labels.items():
        hit = flags[column]
        sep = (out.ne("") & hit).map({True: "、", False: ""})
        out = out + sep + hit.map({True: label, False: ""})
    return out


def still_current(judgement: Judgement) -> pd.Series:
    """A row whose enrolment from that month is still active is judged on substance
    (asking for other insurances than it holds is a real contradiction)."""
    j = persons.joined(judgement)
    return j["active_start"].notna() & (j["active_start"] == j["参保年月"])


def read_state(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    """The persons' registry state (`persons.read_persons`), with every column of the known
    persons in `attrs["details"]` (what the preview shows as old and undo restores)."""
    state = persons.read_persons(session, rows)
    state.attrs["details"] = person_details(session, state["person_id"].unique().tolist())
    return state


# The person's own cells: header → (its column in `person_details`, in `persons`).
PERSON_CELLS = {
    "证件类型": ("reg_id_type", "id_type"), "性别": ("reg_gender_full", "gender"),
    "出生日期": ("reg_birth_full", "birth_date"), "民族": ("reg_ethnicity", "ethnicity"),
    "户口性质": ("reg_hukou", "hukou"), "个人身份": ("reg_identity_full", "identity"),
    "参加工作日期": ("reg_work_start", "work_start_date"), "联系电话": ("reg_phone", "phone"),
}  # fmt: skip
COMPARED_COLUMNS = (*PERSON_CELLS, "参保年月", "月缴费工资", *INSURANCE_COLUMNS)


def current(judgement: Judgement) -> pd.DataFrame:
    """For rows of persons the registry knows: their registered cells, and here the start
    month of an active enrolment (none: a row going ahead starts one) and 是/否 per
    insurance active here. The base of a new enrolment has no old value."""
    details = judgement.state.attrs.get("details")
    if details is None or details.empty:
        return pd.DataFrame(columns=[*COMPARED_COLUMNS, "_updated_at"])
    rows, state, employer_id = judgement.rows, judgement.state, judgement.employer_id
    ids = rows.loc[rows["证件号码"].isin(details["person_id"]), "证件号码"]
    cells = details.set_index("person_id").reindex(ids)
    out = pd.DataFrame(index=ids.index)
    for header, (column, _) in PERSON_CELLS.items():
        out[header] = cells[column].to_numpy()
    active = state[(state["employer_id"] == employer_id) & (state["status"] == "active")]
    out["参保年月"] = persons.start_span(active)["earliest"].reindex(ids).fillna("").to_numpy()
    out["月缴费工资"] = ""
    held = persons.EnrolmentsHere.of(state, employer_id).held_columns(ids)
    for column in INSURANCE_COLUMNS:
        out[column] = held[column]
    out["_updated_at"] = cells["reg_updated_at"].to_numpy()
    return out


PERSON_COLUMNS = [
    "id_number", "id_type", "name", "gender", "birth_date", "ethnicity", "hukou",
    "identity", "phone", "work_start_date", "updated_at",
]  # fmt: skip
ENROLMENT_COLUMNS = [
    "person_id", "employer_id", "insurance", "start_month", "status", "start_reason",
    "employment_form", "batch_id",
]  # fmt: skip
BASE_COLUMNS = [
    "person_id", "employer_id", "effective_month", "declared_wage", "base", "clamped",
    "batch_id",
]  # fmt: skip


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Register the persons of `rows`, enrol them in each insurance marked 是, set bases."""
    employer_id, batch_id = target.employer_id, target.batch_id
    now = db_now()
    cols = columns(rows, "证件号码", "证件类型", "姓名", "性别", "出生日期", "民族", "户口性质",
                   "个人身份", "联系电话", "参加工作日期")  # fmt: skip
    people = [
        (pid, kind, name, sex, born, none_if_blank(nation), hukou, identity, phone,
         none_if_blank(work), now)
        for pid, kind, name, sex, born, nation, hukou, identity, phone, work in zip(
            *cols, strict=True
        )
    ]  # fmt: skip
    enrolments: list[tuple] = []
    for column, ins in INSURANCE_COLUMNS.items():
        chosen = rows[rows[column] == "是"]
        enrolments.extend(
            (pid, employer_id, ins, month, "active", reason, form, batch_id)
            for pid, month, reason, form in zip(
                *columns(chosen, "证件号码", "参保年月", "增加原因", "用工形式"), strict=True
            )
        )
    bases = [
        (pid, employer_id, month, wage, base, bool(clamped), batch_id)
        for pid, month, wage, base, clamped in zip(
            *columns(rows, "证件号码", "参保年月", "月缴费工资", "_base", "_clamped"), strict=True
        )
    ]
    known = [p for p in people if p[0] in target.registered]
    new = [p for p in people if p[0] not in target.registered] if known else people
    return [
        Upsert("persons", PERSON_COLUMNS, "id_number", known),
        Insert("persons", PERSON_COLUMNS, new),
        Insert("enrolments", ENROLMENT_COLUMNS, enrolments),
        Insert("contribution_bases", BASE_COLUMNS, bases),
    ]


RESTORED_COLUMNS = [*(db for _, db in PERSON_CELLS.values()), "updated_at"]
_RESTORE = "UPDATE persons SET {sets} WHERE id_number = {mark}"


def revert(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Take back what `plan` wrote for `rows`: the batch's enrolments and bases of each
    person; a person the batch registered is removed, a known one gets back the cells it
    had (from the before-image)."""
    batch_id = target.batch_id
    ids = rows["证件号码"].tolist()
    created = [(pid,) for pid, before in zip(ids, rows["_before"], strict=True) if not before]
    restored = [
        (*_restored_cells(before), pid)
        for pid, before in zip(ids, rows["_before"], strict=True)
        if before
    ]
    sets = ", ".join(f'"{c}" = {{mark}}' for c in RESTORED_COLUMNS)
    return [
        Delete("enrolments", ("person_id", "batch_id"), [(pid, batch_id) for pid in ids]),
        Delete("contribution_bases", ("person_id", "batch_id"), [(pid, batch_id) for pid in ids]),
        Delete("person_name_keys", ("person_id",), created),
        Delete("persons", ("id_number",), created),
        Update(
            _RESTORE.format(sets=sets.format(mark="?"), mark="?"),
            _RESTORE.format(sets=sets.format(mark="%s"), mark="%s"),
            restored,
        ),
    ]


def _restored_cells(before: dict) -> tuple:
    """A person's cells as the before-image holds them, in RESTORED_COLUMNS order (a blank
    optional cell back to NULL)."""
    return tuple(none_if_blank(before.get(h, "")) for h in (*PERSON_CELLS, "_updated_at"))


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=("证件号码", "参保年月"),
    read_state=read_state,
    judge=judge,
    plan=plan,
    derive=add_bases,
    still_current=still_current,
    compared_columns=COMPARED_COLUMNS,
    current=current,
    revert=revert,
)
