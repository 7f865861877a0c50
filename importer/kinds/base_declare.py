"""年度缴费基数申报 (`base_declare`): each employee's contribution base for a year.

One row per person: last year's total wage and the months worked. The monthly average
(total / months, to the fen, half up) clamped to that year's floor and cap is the base
from January of the declared year (a 提示 on the rows that were clamped, naming the
figures used). The person must be active at this employer under the registered name.

One declaration per person and year. Declaring the same figures again is 无变化; a
different figure for a year already declared is an error naming what is held, not a
silent correction: that base has priced every month of the year since January (for the
coming year it is what the agency has already planned with), so replacing it by a later
upload (often an older or a wrong sheet sent again) would change contributions nobody
looked at. A base once declared is corrected at the agency's counter (基数更正).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow
import pyarrow.compute as pc
from sqlalchemy.orm import Session

import validators.checks
from importer.apply import Delete, Insert, Target, Write, columns
from importer.kinds import persons
from importer.kinds.base import Judgement, Kind, RegistryVerdict, Verdictish
from registry.state import frame_of
from validators.bases import clamp_bases
from validators.context import RuleContext, month_label
from validators.models import OnePerPerson, PersonIdChecks, model_for
from validators.sheet import SheetRules
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, ColumnSpec, KindSpec

SPEC = KindSpec(
    kind="base_declare",
    title="年度缴费基数申报",
    purpose="申报每位在职职工本年度或下一年度的缴费基数(按上年度月平均工资核定), 每行一人。",
    version=1,
    columns=(
        NAME_COLUMN,
        ID_COLUMN,
        ColumnSpec("申报年度", "year", True, width=10, hint="4 位年份, 只能是今年或明年, 如 2027"),
        ColumnSpec(
            "上年度工资总额",
            "money",
            True,
            width=16,
            hint="元, 最多两位小数: 上一年度在本单位发放的工资总额",
        ),
        ColumnSpec(
            "上年度工作月数",
            "months",
            False,
            default="12",
            width=14,
            hint="1-12 的整数, 不填按 12 个月; 月平均工资 = 工资总额 ÷ 月数",
        ),
        NOTE_COLUMN,
    ),
    example=("张伟", "330682199003150018", "2027", "96000", "12", ""),
)

# The messages of the codes only 年度缴费基数申报 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "declare_year_window": "申报年度 {value} 不能申报: 只能申报今年({this_year})或明年({next_year})的缴费基数。请改为 {this_year} 或 {next_year}。",
    "base_not_active_here": "此人不是本单位正在参保的职工, 不能为其申报缴费基数。请核对证件号码; 新招用的职工请先办理人员增加。",
    "base_new_hire": "此人 {start} 起在本单位参保, {value} 年度的缴费基数已按参保时申报的月缴费工资核定, 不需要再申报 {value} 年度。请删除本行, 或改为申报下一年度。",
    "base_already_declared": "此人 {year} 年度的缴费基数已核定为 {held} 元(月平均工资 {held_average} 元), 本行算得的月平均工资为 {average} 元, 与之不同。同一年度只能申报一次: 重复上传的请删除本行; 确需更正已核定的基数, 请到社保经办窗口办理基数更正。",
}

AVERAGE = "月平均工资"
# What the preview compares (see `current`): the base in force from January of the
# declared year, as the month it took effect, its monthly wage and the base, money with
# two decimals. A row puts its own there: 202701, 7200.00, 7200.00.
EFFECTIVE, BASE = "基数起始年月", "缴费基数"
COMPARED = (EFFECTIVE, AVERAGE, BASE)


@model_for(SPEC)
class BaseDeclareModel(PersonIdChecks, OnePerPerson):
    """年度缴费基数申报."""

    @pa.dataframe_check(name="declare_year_window")
    def _year_window(cls, df: pd.DataFrame) -> pd.Series:
        this = validators.checks.current_context().today.year
        year = df["申报年度"]
        shaped = year.str.fullmatch(r"\d{4}")
        allowed = year.isin([str(this), str(this + 1)])
        return ~shaped | allowed


RULES = SheetRules(
    spec=SPEC,
    model=BaseDeclareModel,
    check_columns={"declare_year_window": "申报年度"},
)


def to_fen(amounts: pd.Series) -> np.ndarray:
    """Valid amount texts (at most two decimals) as whole fen, exactly (no float). Split
    by Arrow's regex kernel: pandas' str.extract runs Python per cell (0.2 s a column of
    100,000 against 0.02 s)."""
    texts = arrow.array(amounts.astype(str), type=arrow.string())
    parts = pc.extract_regex(texts, r"^(?P<yuan>\d+)(?:\.(?P<fen>\d{1,2}))?$")
    yuan = pc.cast(pc.struct_field(parts, "yuan"), arrow.int64()).to_numpy()
    # A missing decimal part reads as "", padded to "00"; "5" after the point is 50 fen.
    fen = pc.cast(pc.utf8_rpad(pc.struct_field(parts, "fen"), 2, "0"), arrow.int64())
    return yuan * 100 + fen.to_numpy()


def average_fen(total_fen: np.ndarray, months: np.ndarray) -> np.ndarray:
    """total / months in fen, rounded half up: floor((2t + m) / 2m) for t >= 0, in whole
    numbers, so exactly what Decimal's ROUND_HALF_UP gives."""
    return (2 * total_fen + months) // (2 * months)


def fen_text(fen: np.ndarray) -> list[str]:
    """Whole fen as yuan text with two decimals (`833333` → `8333.33`)."""
    return [f"{f // 100}.{f % 100:02d}" for f in fen.tolist()]


def add_bases(verdict: Verdictish, ctx: RuleContext) -> None:
    """The monthly average and base of every valid row (clamped to that year's limits)."""
    df = verdict.df
    ok = verdict.candidates()
    df["_average"] = ""
    df["_base"] = ""
    df["_clamped"] = False
    for column in COMPARED:
        df[column] = ""
    if ok.empty:
        return
    rows = df.loc[ok]
    fen = average_fen(
        to_fen(rows["上年度工资总额"]), rows["上年度工作月数"].astype("int64").to_numpy()
    )
    average = pd.Series(fen_text(fen), index=ok, dtype=object)
    bases, clamped, warnings = clamp_bases(
        average, rows["申报年度"] + "01", ctx, "上年度工资总额",
        verdict.letters.get("上年度工资总额"), label=AVERAGE,
    )  # fmt: skip
    df.loc[ok, "_average"] = average
    df.loc[ok, "_base"] = bases
    df.loc[ok, "_clamped"] = clamped
    df.loc[ok, EFFECTIVE] = rows["申报年度"] + "01"
    df.loc[ok, AVERAGE] = average
    # A clamped base is the limit as published ("5000"): two decimals, like the registry's;
    # the others are the average, already so (only the few clamped rows are rewritten).
    written = average.copy()
    if clamped.any():
        written[clamped] = fen_text(to_fen(bases[clamped]))
    df.loc[ok, BASE] = written
    verdict.issues.extend(warnings)


# ------------------------------------------------------------------ registry


PERSON_COLUMNS = ["person_id", "reg_name", "employer_id", "active_start", "active_latest_start"]
BASE_STATE_COLUMNS = ["person_id", "employer_id", "effective_month", "declared_wage", "base", "id"]
IN_FORCE_COLUMNS = ["year", *BASE_STATE_COLUMNS]


@dataclass(frozen=True)
class BaseState:
    """For the sheet's persons: their registered name and, per employer where they hold
    active enrolments, the earliest and latest start (`persons`); the bases they hold
    from January of the sheet's years, at any employer (`bases`); and per year of the
    sheet, person and employer, the base in force in that January (`in_force`, with the
    year: the latest base effective then or before, as the assessment picks it)."""

    persons: pd.DataFrame
    bases: pd.DataFrame
    in_force: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=IN_FORCE_COLUMNS))


# Aggregated in the database: one row per person and employer, not one per enrolment
# (the yearly declaration covers every employee, each holding four enrolments).
_ACTIVE = """
SELECT p.id_number, p.name, e.employer_id, MIN(e.start_month), MAX(e.start_month)
FROM persons p LEFT JOIN enrolments e ON e.person_id = p.id_number AND e.status = 'active'
WHERE p.id_number {match}
GROUP BY p.id_number, p.name, e.employer_id
"""
# The base in force in a January per person and employer: the latest effective then or
# before (the assessment's own choice, registry.assess), one row per pair.
_IN_FORCE = """
SELECT person_id, employer_id, effective_month, declared_wage, base, id FROM (
    SELECT person_id, employer_id, effective_month, declared_wage, base, id,
           ROW_NUMBER() OVER (PARTITION BY person_id, employer_id
                              ORDER BY effective_month DESC, id DESC) AS rn
    FROM contribution_bases WHERE person_id {match} AND effective_month <= :month
) ranked WHERE rn = 1
"""


def read_state(session: Session, rows: pd.DataFrame) -> BaseState:
    """Set-based reads for the whole sheet: persons with where they are active, and per
    year of the sheet (this one or the next: two at most) the bases in force in its
    January, which include those declared from it."""
    ids = rows["证件号码"].unique().tolist()
    years = sorted(y for y in rows["申报年度"].unique() if str(y).isdigit() and len(y) == 4)
    if not ids:
        return BaseState(
            pd.DataFrame(columns=PERSON_COLUMNS), pd.DataFrame(columns=BASE_STATE_COLUMNS)
        )
    people = frame_of(session, _ACTIVE, ids, PERSON_COLUMNS)
    found = [
        frame_of(session, _in_force_in(year), ids, BASE_STATE_COLUMNS).assign(year=year)
        for year in years
    ]
    in_force = pd.concat(found) if found else pd.DataFrame(columns=IN_FORCE_COLUMNS)
    in_force = _numbers(in_force[IN_FORCE_COLUMNS].reset_index(drop=True))
    people = _numbers(people)
    declared = in_force[in_force["effective_month"] == in_force["year"] + "01"]
    return BaseState(people, declared[BASE_STATE_COLUMNS].reset_index(drop=True), in_force)


def _in_force_in(year: str) -> str:
    """The in-force query for January of `year`, the month a literal: four digits only, so
    nothing typed in the sheet reaches the SQL."""
    return _IN_FORCE.replace(":month", f"'{int(year):04d}01'")


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Ids and amounts as numbers on both engines (COPY on PostgreSQL sends text)."""
    for column in ("employer_id", "id", "declared_wage", "base"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column])
    return frame


def _joined(judgement: Judgement) -> pd.DataFrame:
    """The candidate rows with the person's registered name, where they are active at
    this employer (NaN when not), and the base held here for the row's year."""
    people = judgement.state.persons
    names = people.drop_duplicates("person_id").set_index("person_id")["reg_name"]
    here = people[people["employer_id"] == judgement.employer_id].set_index("person_id")
    rows = judgement.rows.join(names, on="证件号码")
    rows = rows.join(here[["active_start", "active_latest_start"]], on="证件号码")
    return rows.join(_held(judgement))


def _held(judgement: Judgement) -> pd.DataFrame:
    """Per candidate row, the base held here from January of its year (NaN if none)."""
    bases = judgement.state.bases
    here = bases[bases["employer_id"] == judgement.employer_id].sort_values("id")
    here = here.drop_duplicates(["person_id", "effective_month"], keep="last")
    rows = judgement.rows
    key = pd.DataFrame({"person_id": rows["证件号码"], "effective_month": rows["申报年度"] + "01"})
    merged = key.merge(here, how="left", on=["person_id", "effective_month"])
    merged.index = rows.index
    return merged[["declared_wage", "base"]].rename(
        columns={"declared_wage": "held_average", "base": "held_base"}
    )


def _fen_of(values: pd.Series) -> pd.Series:
    return (pd.to_numeric(values, errors="coerce") * 100).round()


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """The same figures as the base held here for the year are unchanged. Otherwise the
    person must be active here under the registered name, enrolled before the year began
    (a new hire's first year is priced by the wage of 人员增加), and a base held for the
    year with other figures is an error naming it."""
    j = _joined(judgement)
    v.registered = frozenset(judgement.state.persons["person_id"])
    letters = judgement.letters
    held = j["held_base"].notna()
    same = (
        held
        & (_fen_of(j["held_average"]) == _fen_of(j["_average"]))
        & (_fen_of(j["held_base"]) == _fen_of(j["_base"]))
    )
    v.unchanged |= set(j.index[same])
    active = j["active_latest_start"].notna()
    hired = active & ~same & (j["active_start"].fillna("") >= j["申报年度"] + "01")
    for row in j.index[~held & ~active]:
        v.errors.append(
            persons.error(row, "证件号码", letters, "base_not_active_here", value=j.at[row, "证件号码"])
        )  # fmt: skip
    for row in j.index[hired]:
        v.errors.append(
            persons.error(
                row, "申报年度", letters, "base_new_hire", value=j.at[row, "申报年度"],
                start=month_label(j.at[row, "active_start"]),
            )
        )  # fmt: skip
    _declared_otherwise(j[held & ~same & ~hired], v, letters)
    persons.name_mismatch(j[same | (~held & active & ~hired)], v, letters)


def _declared_otherwise(j: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> None:
    for row in j.index:
        v.errors.append(
            persons.error(
                row, "上年度工资总额", letters, "base_already_declared",
                value=j.at[row, "上年度工资总额"], year=j.at[row, "申报年度"],
                held=_yuan(j.at[row, "held_base"]), held_average=_yuan(j.at[row, "held_average"]),
                average=_yuan(j.at[row, "_average"]),
            )
        )  # fmt: skip


def _yuan(value) -> str:
    return f"{float(value):,.2f}"


def still_current(judgement: Judgement) -> pd.Series:
    """A row whose year is held here is judged on its figures, even when another batch
    applied its key: a different total for a declared year must not pass as 无变化."""
    return _held(judgement)["held_base"].notna()


BASE_COLUMNS = [
    "person_id", "employer_id", "effective_month", "declared_wage", "base", "clamped",
    "batch_id",
]  # fmt: skip


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """A base effective from January of the declared year, per row, for this employer."""
    bases = [
        (pid, target.employer_id, f"{year}01", average, base, bool(clamped), target.batch_id)
        for pid, year, average, base, clamped in zip(
            *columns(rows, "证件号码", "申报年度", "_average", "_base", "_clamped"), strict=True
        )
    ]
    return [Insert("contribution_bases", BASE_COLUMNS, bases)]


def current(judgement: Judgement) -> pd.DataFrame:
    """Per row whose person holds a base here in force in January of the row's year: that
    base (the month it took effect, its monthly wage, the base; money with two decimals).
    A row declaring 7200.00 over last year's 6000.00 shows 6000.00 → 7200.00; a person
    without any base here is new (absent)."""
    held = judgement.state.in_force
    here = held[held["employer_id"] == judgement.employer_id]
    rows = judgement.rows
    parts = []
    # Per year (two at most), a hash lookup of each row's person: a merge on the two
    # columns costs several times as much for a sheet of 100,000.
    for year, ids in rows["证件号码"].groupby(rows["申报年度"], sort=False):
        mine = here[here["year"] == year]
        at = pd.Index(mine["person_id"]).get_indexer(ids)
        hit = at >= 0
        found = mine.iloc[at[hit]]
        parts.append(
            pd.DataFrame(
                {
                    EFFECTIVE: found["effective_month"].astype(str).to_numpy(),
                    AVERAGE: money_text(found["declared_wage"]),
                    BASE: money_text(found["base"]),
                },
                index=ids.index[hit],
                columns=list(COMPARED),
            )
        )
    if not parts:
        return pd.DataFrame(columns=list(COMPARED), index=rows.index[:0])
    return pd.concat(parts).sort_index()


def money_text(values: pd.Series) -> list[str]:
    """Registry amounts (Decimal on PostgreSQL, float or int on SQLite) as yuan text with
    two decimals, the way `add_bases` writes them."""
    if values.empty:
        return []
    fen = pd.to_numeric(values).astype(float).mul(100).round().astype("int64").to_numpy()
    return fen_text(fen)


def revert(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Delete the base each row inserted: `plan` only ever inserts (a year already
    declared here is an error or unchanged, never replaced), so removing this batch's
    base for the person and year restores the registry; earlier bases were not touched."""
    keys = [
        (pid, target.employer_id, f"{year}01", target.batch_id)
        for pid, year in zip(*columns(rows, "证件号码", "申报年度"), strict=True)
    ]
    return [
        Delete(
            "contribution_bases", ("person_id", "employer_id", "effective_month", "batch_id"), keys
        )
    ]


def _coming_year(ctx: RuleContext) -> dict[str, str]:
    return {"申报年度": str(ctx.today.year + 1)}


# The employer's active persons for the coming year: the clerk types only the totals. A
# row left without one is skipped with one sheet-level 提示 counting such rows (see
# importer.layout.skip_untouched), so the clerk sees who was not declared.
prefill = persons.prefill_with(SPEC, fixed=_coming_year)


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=("证件号码", "申报年度"),
    read_state=read_state,
    judge=judge,
    plan=plan,
    derive=add_bases,
    still_current=still_current,
    prefill=prefill,
    prefilled_columns=("姓名", "证件号码", "申报年度"),
    compared_columns=COMPARED,
    current=current,
    revert=revert,
)
