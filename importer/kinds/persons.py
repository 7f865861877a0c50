"""What every person-keyed kind shares: the registry state of the sheet's persons, read
in one query and summarised one row per person, and the checks every such kind makes
(the person's registered name)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
    span = start_span(active)
    persons["active_start"] = span["earliest"]
    persons["active_latest_start"] = span["latest"]
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


def start_span(active: pd.DataFrame) -> pd.DataFrame:
    """Per person of the `active` enrolments, the earliest and latest start month. By one
    sort: a group-by min/max of text falls back to Python per group (seconds for 100,000
    persons), the first and last row after a sort do not."""
    starts = active.sort_values("start_month", kind="stable")
    first = starts.drop_duplicates("person_id").set_index("person_id")["start_month"]
    last = starts.drop_duplicates("person_id", keep="last").set_index("person_id")["start_month"]
    return pd.DataFrame({"earliest": first, "latest": last})


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


def _text(values) -> pa.Array:
    """Cells as an Arrow string array (None / NaN become nulls; the sheet's and the
    state's Arrow-backed columns are taken as they are, without a copy)."""
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def _joined_keys(*parts: pa.Array) -> pa.Array:
    """Element-wise "a|b|..." of string arrays: one key per row for Arrow lookups."""
    return pc.binary_join_element_wise(*parts, pa.scalar("|", pa.large_string()))


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value] * n, type=pa.large_string())


@dataclass(frozen=True)
class _Found:
    """Where each key sits in a lookup column: `hit` per key, and the positions of hits."""

    hit: np.ndarray
    at: np.ndarray
    index: pd.Index

    @classmethod
    def of(cls, keys: pa.Array, among: pa.Array, index: pd.Index) -> _Found:
        found = pc.index_in(keys, value_set=among).to_numpy(zero_copy_only=False)
        hit = ~np.isnan(found.astype(float))
        return cls(hit, found[hit].astype(np.int64), index)

    def take(self, values: pd.Series) -> pd.Series:
        """The value at each key's position, "" when the key is missing or holds none."""
        cells = np.full(len(self.index), "", dtype=object)
        picked = values.to_numpy(dtype=object)[self.at]
        cells[self.hit] = np.where(pd.isna(picked), "", picked)
        return pd.Series(cells, index=self.index, dtype="str")


@dataclass(frozen=True)
class EnrolmentsHere:
    """The state's enrolments at one employer, keyed for column-wise look-ups of many
    rows at once with Arrow (what the kinds' `current` reads; the `summarise` frame's
    group-bys cost seconds on 100,000 persons, these a small part of one)."""

    persons: pa.Array
    active: pa.Array  # "ID|insurance" of each active enrolment
    active_persons: pa.Array
    active_start: pd.Series
    # Stopped enrolments, latest end month first (then by reason).
    stopped_person: pa.Array
    stopped_key: pa.Array  # "ID|insurance"
    stopped_end: pd.Series
    stopped_reason: pd.Series
    stopped_full: pa.Array  # "ID|end month|reason"

    @classmethod
    def of(cls, state: pd.DataFrame, employer_id: int) -> EnrolmentsHere:
        """The enrolments of `state` (as `registry.state.person_state` reads it) here."""
        here = state[state["employer_id"] == employer_id]
        on = here[here["status"] == "active"]
        off = here[here["status"] == "stopped"].sort_values(
            ["end_month", "stop_reason"], ascending=[False, True], kind="stable"
        )
        off_person, off_end = _text(off["person_id"]), _text(off["end_month"])
        return cls(
            persons=_text(state["person_id"]),
            active=_joined_keys(_text(on["person_id"]), _text(on["insurance"])),
            active_persons=_text(on["person_id"]),
            active_start=on["start_month"],
            stopped_person=off_person,
            stopped_key=_joined_keys(off_person, _text(off["insurance"])),
            stopped_end=off["end_month"],
            stopped_reason=off["stop_reason"],
            stopped_full=_joined_keys(off_person, off_end, _text(off["stop_reason"].fillna(""))),
        )

    def known(self, ids: pd.Series) -> np.ndarray:
        """Whether the registry holds each ID number as a person."""
        return pc.is_in(_text(ids), value_set=self.persons).to_numpy(zero_copy_only=False)

    def insured(self, ids: pd.Series) -> np.ndarray:
        """Whether each person holds any insurance active here."""
        found = pc.is_in(_text(ids), value_set=self.active_persons)
        return found.to_numpy(zero_copy_only=False)

    def held(self, ids: pd.Series, insurance: pd.Series) -> np.ndarray:
        """Whether each person holds the row's insurance (a code) active here."""
        keys = _joined_keys(_text(ids), _text(insurance))
        return pc.is_in(keys, value_set=self.active).to_numpy(zero_copy_only=False)

    def held_columns(self, ids: pd.Series) -> pd.DataFrame:
        """是 / 否 per insurance column (养老保险 ...): held active here now."""
        text, n = _text(ids), len(ids)
        # One look-up for the four insurances: the set is hashed once.
        keys = pa.concat_arrays(
            [_joined_keys(text, _repeat(ins, n)) for ins in INSURANCE_COLUMNS.values()]
        )
        held = pc.is_in(keys, value_set=self.active).to_numpy(zero_copy_only=False)
        return pd.DataFrame(
            {
                c: np.where(held[i * n : (i + 1) * n], "是", "否")
                for i, c in enumerate(INSURANCE_COLUMNS)
            },
            index=ids.index,
            dtype="str",
        )

    def own_column(self, ids: pd.Series, labels: pd.Series, held: np.ndarray) -> pd.DataFrame:
        """The four insurance columns as a one-insurance row writes them: 是 / 否 (`held`)
        in the row's own 险种 (`labels`), the others blank."""
        flags = np.where(held, "是", "否")
        return pd.DataFrame(
            {
                c: np.where(labels.eq(c).to_numpy(dtype=bool, na_value=False), flags, "")
                for c in INSURANCE_HEADERS
            },
            index=ids.index,
            dtype="str",
        )

    def start(self, ids: pd.Series, insurance: pd.Series) -> pd.Series:
        """The start month of each row's insurance active here ("" when not active)."""
        keys = _joined_keys(_text(ids), _text(insurance))
        return _Found.of(keys, self.active, ids.index).take(self.active_start)

    def last_stop(self, ids: pd.Series, insurance: pd.Series) -> pd.DataFrame:
        """Per row, its insurance's latest stop here: end month and reason ("" if none)."""
        keys = _joined_keys(_text(ids), _text(insurance))
        found = _Found.of(keys, self.stopped_key, ids.index)
        return pd.DataFrame(
            {
                "end_month": found.take(self.stopped_end),
                "stop_reason": found.take(self.stopped_reason),
            }
        )

    def last_stop_of_person(self, ids: pd.Series, reasons: pd.Series) -> pd.DataFrame:
        """Per row, the person's latest stop month here and its reason ("" if none).
        Insurances stopped in that month for different reasons (one by 人员险种减少, the
        rest by 人员减少) give the row's own reason when it is among them, so a row the
        registry holds compares equal."""
        persons = _text(ids)
        found = _Found.of(persons, self.stopped_person, ids.index)
        end, reason = found.take(self.stopped_end), found.take(self.stopped_reason)
        own = _joined_keys(persons, _text(end), _text(reasons))
        mine = pc.is_in(own, value_set=self.stopped_full).to_numpy(zero_copy_only=False)
        return pd.DataFrame({"end_month": end, "stop_reason": reason.where(~mine, reasons)})


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
