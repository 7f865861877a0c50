"""What every person-keyed kind shares: the registry state of the sheet's persons, read
in one query and summarised one row per person, and the checks every such kind makes
(the person's registered name)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from importer.apply import Update
from importer.kinds.base import Deriver, Judgement, Prefill, RegistryVerdict, Verdictish
from registry.state import active_persons, person_state
from validators import messages
from validators.codes import INSURANCE_COLUMNS, INSURANCES
from validators.context import RuleContext, month_label
from validators.errors import RowError
from validators.specs import KindSpec


def read_persons(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    """The registry state of every person of `rows`, one row per known person (see
    `summarise`); persons the registry does not know are absent."""
    return person_state(session, rows["证件号码"].unique().tolist())


def summarise(state: pd.DataFrame, employer_id: int) -> pd.DataFrame:
    """One row per person: registered name/gender/birth/identity, and their enrolments here
    (earliest active start, latest end and stop reason, per insurance the active start,
    last end and its stop reason) and elsewhere (per insurance: the employer's name)."""
    persons = state.drop_duplicates("person_id").set_index("person_id")[
        ["reg_name", "reg_gender", "reg_birth", "reg_identity"]
    ]
    enrolled = state.dropna(subset=["insurance"])
    here = enrolled[enrolled["employer_id"] == employer_id]
    active = here[here["status"] == "active"]
    persons["here_any"] = persons.index.isin(here["person_id"])
    persons["active_start"] = active.groupby("person_id")["start_month"].min()
    persons["active_latest_start"] = active.groupby("person_id")["start_month"].max()
    for ins in INSURANCES:
        mine = active[active["insurance"] == ins]
        persons[f"held_{ins}"] = persons.index.isin(mine["person_id"])
        persons[f"start_{ins}"] = mine.groupby("person_id")["start_month"].first()
    stopped = here[here["status"] == "stopped"].sort_values("end_month")
    last = stopped.groupby("person_id").last()
    persons["last_end"] = last["end_month"]
    persons["last_reason"] = last["stop_reason"]
    for ins in INSURANCES:
        ended = stopped[stopped["insurance"] == ins].groupby("person_id").last()
        persons[f"end_{ins}"] = ended["end_month"]
        persons[f"reason_{ins}"] = ended["stop_reason"]
    away = enrolled[(enrolled["employer_id"] != employer_id) & (enrolled["status"] == "active")]
    for ins in INSURANCES:
        persons[f"away_{ins}"] = (
            away[away["insurance"] == ins].groupby("person_id")["employer_name"].first()
        )
    return persons


def prefill_with(
    spec: KindSpec, fixed: Callable[[RuleContext], dict[str, str]] | None = None
) -> Prefill:
    """The `Kind.prefill` of a person kind: one row per person active at the employer
    with 姓名 and 证件号码 filled (and the columns `fixed(ctx)` gives, e.g. 申报年度),
    every other cell blank."""

    def prefill(session: Session, employer_id: int, ctx: RuleContext) -> list[list[str]]:
        extra = fixed(ctx) if fixed is not None else {}
        rows = []
        for id_number, name in active_persons(session, employer_id):
            cells = {**extra, "姓名": name, "证件号码": id_number}
            rows.append([cells.get(h, "") for h in spec.headers])
        return rows

    return prefill


def for_insurance(j: pd.DataFrame, prefix: str, insurance: pd.Series) -> pd.Series:
    """Per row, the summary column `<prefix>_<ins>` of the row's own insurance code (for
    kinds with one 险种 per row: held_, start_, end_, reason_, away_)."""
    out = pd.Series(None, index=j.index, dtype=object)
    for ins in INSURANCES:
        hit = insurance == ins
        if hit.any():
            out[hit] = j.loc[hit, f"{prefix}_{ins}"]
    return out


def joined(judgement: Judgement) -> pd.DataFrame:
    """The candidate rows with their person's summary beside them (NaN when unknown)."""
    summary = summarise(judgement.state, judgement.employer_id)
    return judgement.rows.join(summary, on="证件号码")


def registered(judgement: Judgement) -> frozenset[str]:
    """ID numbers of the candidates the registry already holds as persons."""
    return frozenset(judgement.state["person_id"].unique())


def error(row, column: str, letters: dict[str, str], code: str, **fields) -> RowError:
    """An error of `code` on `column` of Excel row `row`, its message filled in."""
    value = fields.pop("value")
    return RowError(
        int(row),
        column,
        letters.get(column),
        str(value),
        code,
        messages.render(code, column=column, value=value, **fields),
        "error",
    )


def name_mismatch(j: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> None:
    """A known person's 姓名 must be the registered one."""
    differs = j["reg_name"].notna() & (j["reg_name"] != j["姓名"])
    for row in j.index[differs]:
        v.errors.append(
            error(
                row,
                "姓名",
                letters,
                "name_mismatch",
                value=j.at[row, "姓名"],
                expected=j.at[row, "reg_name"],
            )
        )
        v.unchanged.discard(row)


def not_enrolled_here(j: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> pd.DataFrame:
    """Rows of persons never enrolled at this employer are errors; returns the others."""
    known_here = j["here_any"].eq(True)
    for row in j.index[~known_here]:
        v.errors.append(
            error(row, "证件号码", letters, "not_enrolled_here", value=j.at[row, "证件号码"])
        )
    return j[known_here]


def not_active_here(j: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> pd.DataFrame:
    """Rows of persons with no active enrolment here are errors; returns the others."""
    j = not_enrolled_here(j, v, letters)
    active = j["active_latest_start"].notna()
    for row in j.index[~active]:
        v.errors.append(
            error(
                row,
                "证件号码",
                letters,
                "not_active_here",
                value=j.at[row, "证件号码"],
                end=month_label(j.at[row, "last_end"] or ""),
            )
        )
    return j[active]


# --- preview and undo (预览 / 撤销本批次) -------------------------------------------------
# The four insurance columns of 人员增加 (养老保险 ...) are how the sheets write which
# insurances a person holds here; the kinds that start or stop one derive them (see
# `insurances_become`) so that the preview can say 养老保险 否 → 是 and the before-image
# records exactly which enrolments a row touched.
INSURANCE_HEADERS: tuple[str, ...] = tuple(INSURANCE_COLUMNS)


def insurances_become(value: str, *, own_only: bool) -> Deriver:
    """A `Kind.derive` writing the four insurance columns as a row leaves them: `value`
    (是 / 否) in every one (`own_only=False`, 人员减少 stops them all) or only in the row's
    own 险种, the others blank (人员险种增加 / 减少 touch one)."""

    def derive(verdict: Verdictish, ctx: RuleContext) -> None:
        df = verdict.df
        for column in INSURANCE_HEADERS:
            if own_only:
                cells = df["险种"].eq(column).to_numpy(dtype=bool, na_value=False)
                df[column] = pd.Series(np.where(cells, value, ""), index=df.index, dtype="str")
            else:
                df[column] = pd.Series(value, index=df.index, dtype="str")

    return derive


def known(judgement: Judgement) -> pd.DataFrame:
    """The candidate rows whose person the registry holds, with their summary beside
    them (what a person kind's `current` is indexed by)."""
    j = joined(judgement)
    return j[j["证件号码"].isin(judgement.state["person_id"])]


def held_here(j: pd.DataFrame) -> pd.DataFrame:
    """Per joined row, 是 / 否 per insurance column: whether the person holds that
    insurance active at the employer now."""
    return pd.DataFrame(
        {
            column: np.where(j[f"held_{ins}"].eq(True).to_numpy(), "是", "否")
            for column, ins in INSURANCE_COLUMNS.items()
        },
        index=j.index,
        dtype="str",
    )


def own_insurance_only(flags: pd.DataFrame, insurance: pd.Series) -> pd.DataFrame:
    """`flags` with every insurance column but the row's own 险种 blank (how
    `insurances_become(..., own_only=True)` writes the row itself)."""
    out = flags.copy()
    for column in INSURANCE_HEADERS:
        out[column] = out[column].where(insurance.eq(column), "")
    return out


def blank(values: pd.Series) -> pd.Series:
    """Registry values as sheet text: nothing held (None / NaN) is ""."""
    return values.astype(object).where(values.notna(), "").astype("str")


def stops_here(state: pd.DataFrame, employer_id: int) -> pd.DataFrame:
    """The stopped enrolments of the state at the employer (person_id, insurance,
    end_month, stop_reason), in end-month order."""
    here = state[(state["employer_id"] == employer_id) & (state["status"] == "stopped")]
    columns = ["person_id", "insurance", "end_month", "stop_reason"]
    return here[columns].sort_values(["person_id", "end_month"], kind="stable")


def last_stop_of_insurance(
    state: pd.DataFrame, employer_id: int, id_numbers: pd.Series, insurance: pd.Series
) -> pd.DataFrame:
    """Per row (ID number, insurance code): that insurance's latest stop here, as sheet
    text (end_month, stop_reason; "" when it never stopped here)."""
    last = stops_here(state, employer_id).drop_duplicates(["person_id", "insurance"], keep="last")
    wanted = pd.MultiIndex.from_arrays([id_numbers.to_numpy(), insurance.to_numpy()])
    found = last.set_index(["person_id", "insurance"]).reindex(wanted)
    found.index = id_numbers.index
    return pd.DataFrame(
        {"end_month": blank(found["end_month"]), "stop_reason": blank(found["stop_reason"])}
    )


def last_stop_of_person(
    state: pd.DataFrame, employer_id: int, id_numbers: pd.Series, reasons: pd.Series
) -> pd.DataFrame:
    """Per row: the person's latest stop month here and its reason, as sheet text ("" when
    never stopped here). Insurances stopped in that month for different reasons (one by
    人员险种减少, the rest by 人员减少) give the row's own reason when it is among them,
    so a row the registry holds compares equal."""
    stops = stops_here(state, employer_id)
    latest = stops.groupby("person_id")["end_month"].max()
    at_end = stops[stops["end_month"].to_numpy() == stops["person_id"].map(latest).to_numpy()]
    pairs = pd.MultiIndex.from_arrays([at_end["person_id"], at_end["stop_reason"].fillna("")])
    mine = pd.MultiIndex.from_arrays([id_numbers.to_numpy(), reasons.to_numpy()]).isin(pairs)
    first = at_end.sort_values(["person_id", "stop_reason"]).groupby("person_id")["stop_reason"]
    reason = blank(id_numbers.map(first.first()))
    return pd.DataFrame(
        {
            "end_month": blank(id_numbers.map(latest)),
            "stop_reason": reason.where(~mine, reasons),
        }
    )


# Undo of a stop: the enrolments a row stopped (this person, employer and insurance,
# stopped in the row's month for the row's reason) get their before-image back.
_RESTART_SQLITE = (
    "UPDATE enrolments SET end_month = ?, status = 'active', stop_reason = ? "
    "WHERE person_id = ? AND employer_id = ? AND insurance = ? AND status = 'stopped' "
    "AND end_month = ? AND stop_reason = ?"
)
_RESTART_PG = _RESTART_SQLITE.replace("?", "%s")


def restart(params: list[tuple]) -> Update:
    """The write putting stopped enrolments back to active, one tuple per enrolment:
    (end month before, stop reason before, ID number, employer id, insurance code, end
    month the row set, reason the row set); the before values are None when nothing was
    held, as for every active enrolment."""
    return Update(_RESTART_SQLITE, _RESTART_PG, params)
