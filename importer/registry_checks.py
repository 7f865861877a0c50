"""Judging a sheet's rows against the registry, for any kind: the kind reads the state it
needs for all the rows at once (`Kind.read_state`) and judges them column-wise
(`Kind.judge`); this module adds what is the same for every kind, the natural keys
already applied.

Outcome per row: an error (the row contradicts the registry), `unchanged` (the registry
already holds exactly this), `mine` (applied earlier by this very batch, which is being
resumed) or nothing (apply it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from importer.kinds.base import Judgement, Kind, RegistryVerdict
from registry.state import applied_keys
from validators import messages
from validators.context import RuleContext
from validators.errors import RowError

__all__ = ["RegistryRead", "RegistryVerdict", "SheetJob", "check_against_registry", "read_registry"]


@dataclass
class RegistryRead:
    """What the registry holds for a sheet: the kind's state and the applied keys."""

    state: Any
    # Natural key → (batch that applied it, the cells it declared).
    applied: dict[str, tuple[int, dict]]


@dataclass(frozen=True)
class SheetJob:
    """One sheet being judged: its kind, normalised rows, natural keys and column letters,
    for which employer and batch, under which rules' context."""

    kind: Kind
    df: pd.DataFrame
    keys: pd.Series
    letters: dict[str, str]
    employer_id: int
    batch_id: int
    ctx: RuleContext


def read_registry(
    session: Session, kind: Kind, rows: pd.DataFrame, keys: list[str]
) -> RegistryRead:
    """The set-based reads the checks need: the kind's state for `rows`, and which of
    `keys` some batch already applied."""
    return RegistryRead(kind.read_state(session, rows), applied_keys(session, keys))


def check_against_registry(
    session: Session, job: SheetJob, candidates: pd.Index, read: RegistryRead | None = None
) -> RegistryVerdict:
    """Judge the `candidates` rows of the job's sheet against the registry (a few queries
    in all, none when given what `read_registry` read for a superset of them)."""
    if candidates.empty:
        return RegistryVerdict()
    rows = job.df.loc[candidates]
    keys = job.keys[candidates]
    if read is None:
        read = read_registry(session, job.kind, rows, keys.tolist())
    owner = keys.map(lambda k: read.applied[k][0] if k in read.applied else None)
    verdict = RegistryVerdict(mine=set(owner.index[owner == job.batch_id]), state=read.state)
    judgement = Judgement(rows, read.state, job.employer_id, job.ctx, job.letters)
    job.kind.judge(_without(judgement, verdict.mine), verdict)
    elsewhere = owner.notna() & (owner != job.batch_id)
    same = pd.Series(False, index=rows.index)
    if elsewhere.any():
        # Only rows another batch applied are compared: a new sheet costs nothing here.
        again = elsewhere[elsewhere].index
        same.loc[again] = _same_substance(job, rows.loc[again], keys[again], read.applied)
    _already_applied(job.kind, judgement, same, verdict)
    if elsewhere.any():
        _declared_otherwise(job, rows, keys, elsewhere & ~same, read.applied, verdict)
    return verdict


def _same_substance(
    job: SheetJob, rows: pd.DataFrame, keys: pd.Series, applied: dict[str, tuple[int, dict]]
) -> pd.Series:
    """Whether each row says what its already-applied declaration said, in every template
    column but 备注: a row with the same key but another name (or reason, or wage) is not
    "already applied", it is judged like any other row."""
    columns = _declared_columns(job, rows)
    declared = pd.DataFrame.from_records(
        [applied.get(k, (0, {}))[1] for k in keys], index=rows.index, columns=columns
    )
    before = declared.astype(object).fillna("").astype("str")
    return rows[columns].astype("str").eq(before).all(axis=1)


def _declared_columns(job: SheetJob, rows: pd.DataFrame) -> list[str]:
    """The template columns a declaration says something in: every one of the sheet but
    备注 (a remark changes nothing)."""
    return [h for h in job.kind.spec.headers if h != "备注" and h in rows.columns]


def _declared_otherwise(
    job: SheetJob,
    rows: pd.DataFrame,
    keys: pd.Series,
    differs: pd.Series,
    applied: dict[str, tuple[int, dict]],
    v: RegistryVerdict,
) -> None:
    """A row the kind judged `unchanged` (the registry still holds its key: the same person
    active here from the same month) whose cells say otherwise than the declaration that
    applied that key is an error, not "无变化": a re-upload with a corrected wage or phone
    must not be silently ignored. A blank cell states nothing and is not a difference."""
    rows_ = [r for r in differs.index[differs].tolist() if r in v.unchanged]
    if not rows_:
        return
    columns = _declared_columns(job, rows)
    for row in rows_:
        batch_id, declared = applied[keys.at[row]]
        changed = [(c, _text(declared.get(c)), _text(rows.at[row, c])) for c in columns]
        changed = [(c, old, new) for c, old, new in changed if new != "" and new != old]
        if not changed:
            continue
        v.unchanged.discard(row)
        column, _, new = changed[0]
        what = "; ".join(f"{c}: 已申报「{old or '空'}」, 本行「{n}」" for c, old, n in changed)
        v.errors.append(
            RowError(
                int(row), column, job.letters.get(column), new, "declared_otherwise",
                messages.render("declared_otherwise", batch=batch_id, what=what), "error",
            )
        )  # fmt: skip


def _text(value: object) -> str:
    """A cell as text, a missing one as ""."""
    return "" if value is None or value is pd.NA or value != value else str(value)


def _without(judgement: Judgement, rows: set[int]) -> Judgement:
    if not rows:
        return judgement
    kept = judgement.rows.drop(index=list(rows))
    return Judgement(kept, judgement.state, judgement.employer_id, judgement.ctx, judgement.letters)


def _already_applied(
    kind: Kind, judgement: Judgement, applied: pd.Series, v: RegistryVerdict
) -> None:
    """Rows whose very declaration another batch applied are `unchanged`, even when the
    registry has moved on since (the person was stopped, or re-enrolled later): re-uploading
    an old sheet must say "already applied", not report the later state as a conflict.
    Rows the kind says still hold now were judged on substance by the kind itself."""
    rows = set(applied.index[applied])
    if rows and kind.still_current is not None:
        current = kind.still_current(judgement)
        rows -= set(current.index[current])
    if not rows:
        return
    v.errors = [e for e in v.errors if e.row not in rows]
    v.warnings = [w for w in v.warnings if w.row not in rows]
    v.unchanged |= rows
