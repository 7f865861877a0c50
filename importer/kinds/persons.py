"""What every person-keyed kind shares: the registry state of the sheet's persons, read
in one query and summarised one row per person, and the checks every such kind makes
(the person's registered name)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.orm import Session

from importer.kinds.base import Judgement, Prefill, RegistryVerdict
from registry.state import active_persons, person_state
from validators import messages
from validators.codes import INSURANCES
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
