"""What each row of a sheet would change (预览), and the before-image its apply records.

For the rows going ahead, the kind's `current` says what the registry holds now for its
`compared_columns` (see `importer.kinds.base.Current`). A row it does not hold is 新增
(`add`); a row with any cell differing from it is 变更 (`change`), the differing cells
listed as [column, old, new]; otherwise 无变化 (`unchanged`). Rows judged unchanged or
rejected get those actions in `record.finish`. The same `current` row is stored as the
declaration's `before`, which undo puts back (`importer.undo`).

Computed column-wise: a sheet of 100,000 new persons costs one empty frame, a sheet of
100,000 known ones one comparison per compared column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from importer.kinds.base import Judgement, Kind

ADD, CHANGE, UNCHANGED, REJECTED = "add", "change", "unchanged", "rejected"
ACTIONS = (ADD, CHANGE, UNCHANGED, REJECTED)
# What the pages call each action.
ACTION_LABELS = {ADD: "新增", CHANGE: "变更", UNCHANGED: "无变化", REJECTED: "未通过"}


@dataclass
class RowLooks:
    """Per Excel row: its action, its changes [[column, old, new], ...] and its
    before-image (None for a row that creates its subject)."""

    action: dict[int, str] = field(default_factory=dict)
    changes: dict[int, list[list[str]]] = field(default_factory=dict)
    before: dict[int, dict[str, Any]] = field(default_factory=dict)

    def update(self, other: RowLooks) -> None:
        """Take `other`'s view of its rows (a chunk judged again under the lock)."""
        for row in other.action:
            self.action[row] = other.action[row]
            self.changes.pop(row, None)
            self.before.pop(row, None)
        self.changes.update(other.changes)
        self.before.update(other.before)


def looks_of(kind: Kind, judgement: Judgement) -> RowLooks:
    """The action, changes and before-image of every row of `judgement.rows`."""
    rows = judgement.rows
    looks = RowLooks()
    if rows.empty:
        return looks
    held = _current(kind, judgement)
    known = rows.index.isin(held.index)
    for row in rows.index[~known]:
        looks.action[int(row)] = ADD
    if not known.any():
        return looks
    held = held.loc[held.index.isin(rows.index)]
    compared = [c for c in kind.compared_columns if c in held.columns and c in rows.columns]
    new = rows.loc[held.index, compared].astype(object).fillna("").astype(str)
    old = held[compared].astype(object).fillna("").astype(str)
    differs = new.ne(old).to_numpy()
    rows_ = [int(r) for r in held.index]
    actions = np.where(differs.any(axis=1), CHANGE, UNCHANGED).tolist()
    looks.action.update(zip(rows_, actions, strict=True))
    looks.changes.update(_changes(rows_, compared, differs, old.to_numpy(), new.to_numpy()))
    looks.before.update(zip(rows_, _records(held), strict=True))
    return looks


def _changes(
    rows: list[int], names: list[str], differs: np.ndarray, old: np.ndarray, new: np.ndarray
) -> dict[int, list[list[str]]]:
    """Per row with a differing cell, its [column, old, new] in column order, in row order.
    Built a column at a time over the differing cells only: a sheet of 100,000 known
    persons has no per-row numpy call."""
    found: dict[int, list[list[str]]] = {}
    for i, name in enumerate(names):
        hits = np.flatnonzero(differs[:, i])
        cells = zip(hits.tolist(), old[hits, i].tolist(), new[hits, i].tolist(), strict=True)
        for n, was, now in cells:
            found.setdefault(n, []).append([name, was, now])
    return {rows[n]: found[n] for n in sorted(found)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row of `frame` as {column: value}, a missing value as "" (the before-image a
    declaration keeps), from whole-column lists rather than pandas' per-row dicts."""
    clean = frame.astype(object).where(frame.notna(), "")
    columns = list(clean.columns)
    values = [clean[c].tolist() for c in columns]
    return [dict(zip(columns, cells, strict=True)) for cells in zip(*values, strict=True)]


def _current(kind: Kind, judgement: Judgement) -> pd.DataFrame:
    """The kind's `current` frame; a kind without one holds nothing (every row 新增)."""
    if kind.current is None:
        return pd.DataFrame(columns=list(kind.compared_columns))
    return kind.current(judgement)
