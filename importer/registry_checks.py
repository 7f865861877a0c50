"""Rules that need registry state, evaluated set-based: the state of every ID of the sheet
is loaded in one query, summarised per person, joined to the sheet and judged column-wise.

Outcome per row: an error (the row contradicts the registry), `unchanged` (the registry
already holds exactly this), `mine` (applied earlier by this very batch, which is being
resumed) or nothing (apply it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from registry.state import applied_keys, person_state
from validators import messages, retirement
from validators.codes import INSURANCE_COLUMNS, INSURANCES
from validators.context import RuleContext, month_label
from validators.errors import RowError


@dataclass
class RegistryVerdict:
    """What the registry says about the candidate rows of a sheet."""

    errors: list[RowError] = field(default_factory=list)
    unchanged: set[int] = field(default_factory=set)
    mine: set[int] = field(default_factory=set)
    # ID numbers of the candidates the registry already knows as persons.
    registered: frozenset[str] = frozenset()


@dataclass
class RegistryRead:
    """What the registry holds for a sheet: each person's state and the applied keys."""

    state: pd.DataFrame
    applied: dict[str, int]


def read_registry(session, id_numbers: list[str], keys: list[str]) -> RegistryRead:
    """The two set-based reads the checks need: persons with their enrolments, and which
    of `keys` some batch already applied."""
    return RegistryRead(person_state(session, id_numbers), applied_keys(session, keys))


def summarise(state: pd.DataFrame, employer_id: int) -> pd.DataFrame:
    """One row per person: registered name/gender/birth/identity, and their enrolments here
    (earliest active start, latest end and stop reason) and elsewhere (per insurance)."""
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
        persons[f"held_{ins}"] = persons.index.isin(
            active.loc[active["insurance"] == ins, "person_id"]
        )
    stopped = here[here["status"] == "stopped"].sort_values("end_month")
    last = stopped.groupby("person_id").last()
    persons["last_end"] = last["end_month"]
    persons["last_reason"] = last["stop_reason"]
    away = enrolled[(enrolled["employer_id"] != employer_id) & (enrolled["status"] == "active")]
    for ins in INSURANCES:
        persons[f"away_{ins}"] = (
            away[away["insurance"] == ins].groupby("person_id")["employer_name"].first()
        )
    return persons


def check_against_registry(
    session,
    kind: str,
    df: pd.DataFrame,
    candidates: pd.Index,
    keys: pd.Series,
    employer_id: int,
    batch_id: int,
    ctx: RuleContext,
    letters: dict[str, str],
    read: RegistryRead | None = None,
) -> RegistryVerdict:
    """Judge the `candidates` rows of `df` against the registry (two queries in all, none
    when given what `read_registry` read for a superset of them)."""
    if candidates.empty:
        return RegistryVerdict()
    rows = df.loc[candidates]
    if read is None:
        read = read_registry(session, rows["证件号码"].unique().tolist(), keys[candidates].tolist())
    summary = summarise(read.state, employer_id)
    joined = rows.join(summary, on="证件号码")
    done = read.applied
    owner = keys[candidates].map(done)
    verdict = RegistryVerdict(
        mine=set(owner.index[owner == batch_id]), registered=frozenset(summary.index)
    )
    judge = _judge_add if kind == "person_add" else _judge_remove
    judge(joined.drop(index=list(verdict.mine)), verdict, ctx, letters)
    _already_applied(kind, joined, owner.notna() & (owner != batch_id), verdict)
    return verdict


def _already_applied(kind: str, j: pd.DataFrame, applied: pd.Series, v: RegistryVerdict) -> None:
    """Rows whose very declaration another batch applied are `unchanged`, even when the
    registry has moved on since (the person was stopped, or re-enrolled later): re-uploading
    an old sheet must say "already applied", not report the later state as a conflict.
    A 人员增加 row whose enrolment from that month is still active is judged on substance
    above (other insurances asked for is a real contradiction)."""
    rows = set(applied.index[applied])
    if kind == "person_add":
        current = j["active_start"].notna() & (j["active_start"] == j["参保年月"])
        rows -= set(j.index[current])
    if not rows:
        return
    v.errors = [e for e in v.errors if e.row not in rows]
    v.unchanged |= rows


def _error(row, column, letters, code, **fields) -> RowError:
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


def _judge_add(
    j: pd.DataFrame, v: RegistryVerdict, ctx: RuleContext, letters: dict[str, str]
) -> None:
    month = j["参保年月"]
    active = j["active_start"].notna()
    # Unchanged only when the registry holds exactly this: same start month and the same
    # insurances. Asking for another insurance (or one fewer) contradicts what it holds.
    same_insurances = pd.Series(True, index=j.index)
    for column, ins in INSURANCE_COLUMNS.items():
        same_insurances &= j[column].eq("是") == j[f"held_{ins}"].eq(True)
    same = active & (j["active_start"] == month) & same_insurances
    v.unchanged |= set(j.index[same])
    for row in j.index[active & ~same]:
        v.errors.append(
            _error(
                row,
                "证件号码",
                letters,
                "already_active_here",
                value=j.at[row, "证件号码"],
                start=month_label(j.at[row, "active_start"]),
            )
        )
    overlap = ~active & j["last_end"].notna() & (j["last_end"].fillna("") >= month)
    for row in j.index[overlap]:
        v.errors.append(
            _error(
                row,
                "参保年月",
                letters,
                "overlaps_history",
                value=month[row],
                end=month_label(j.at[row, "last_end"]),
            )
        )
    _name_mismatch(j, v, letters)
    for column, ins in INSURANCE_COLUMNS.items():
        clash = ~active & j[column].eq("是") & j[f"away_{ins}"].notna()
        for row in j.index[clash]:
            v.errors.append(
                _error(
                    row,
                    column,
                    letters,
                    "active_elsewhere",
                    value="是",
                    insurance=INSURANCES[ins],
                    employer=j.at[row, f"away_{ins}"],
                )
            )


def _name_mismatch(j: pd.DataFrame, v: RegistryVerdict, letters: dict[str, str]) -> None:
    differs = j["reg_name"].notna() & (j["reg_name"] != j["姓名"])
    for row in j.index[differs]:
        v.errors.append(
            _error(
                row,
                "姓名",
                letters,
                "name_mismatch",
                value=j.at[row, "姓名"],
                expected=j.at[row, "reg_name"],
            )
        )
        v.unchanged.discard(row)


def _judge_remove(
    j: pd.DataFrame, v: RegistryVerdict, ctx: RuleContext, letters: dict[str, str]
) -> None:
    month = j["停保年月"]
    known_here = j["here_any"].eq(True)
    for row in j.index[~known_here]:
        v.errors.append(
            _error(row, "证件号码", letters, "not_enrolled_here", value=j.at[row, "证件号码"])
        )
    j = j[known_here]
    _name_mismatch(j, v, letters)
    active = j["active_latest_start"].notna()
    stopped = j[~active]
    same = stopped["last_end"] == stopped["停保年月"]
    v.unchanged |= set(stopped.index[same]) - {e.row for e in v.errors}
    for row in stopped.index[~same]:
        v.errors.append(
            _error(
                row,
                "停保年月",
                letters,
                "already_stopped",
                value=month[row],
                end=month_label(stopped.at[row, "last_end"]),
                reason=stopped.at[row, "last_reason"] or "未注明",
            )
        )
    live = j[active]
    for row in live.index[live["停保年月"] < live["active_latest_start"]]:
        v.errors.append(
            _error(
                row,
                "停保年月",
                letters,
                "stop_before_start",
                value=month[row],
                month=month_label(month[row]),
                start=month_label(live.at[row, "active_latest_start"]),
            )
        )
    _retire_too_early(live[live["减少原因"] == "退休"], v, ctx, letters)


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
            _error(
                row,
                "减少原因",
                letters,
                "retire_too_early",
                value="退休",
                retire=month_label(due[row]),
                month=month_label(rows.at[row, "停保年月"]),
            )
        )
