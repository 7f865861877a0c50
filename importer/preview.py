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
    names = np.array(compared, dtype=object)
    new_cells, old_cells = new.to_numpy(), old.to_numpy()
    befores = held.astype(object).where(held.notna(), "").to_dict("index")
    for n, row in enumerate(held.index):
        r = int(row)
        hits = np.flatnonzero(differs[n])
        looks.action[r] = CHANGE if hits.size else UNCHANGED
        if hits.size:
            looks.changes[r] = [[names[i], old_cells[n, i], new_cells[n, i]] for i in hits]
        looks.before[r] = befores[row]
    return looks


def _current(kind: Kind, judgement: Judgement) -> pd.DataFrame:
    """The kind's `current` frame; a kind without one holds nothing (every row 新增)."""
    if kind.current is None:
        return pd.DataFrame(columns=list(kind.compared_columns))
    return kind.current(judgement)
