"""Which rows of a chunk an undo reverts, keeps (and why) or withdraws (see `importer.undo`).

Read-only: the undo calls it under the employer's lock and then writes; the confirmation
page calls it as it stands to say what an undo would do.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from importer.context import rule_context
from importer.kinds import KINDS, get_kind
from importer.kinds.base import Judgement, Kind
from registry.models import Batch, Employer

APPROVED_REASON = "已经审核通过, 本行保留, 没有撤销。"
# An approval of a kind that takes approvals back, decided before approvals recorded
# what they replaced: there is nothing to put back from.
UNRECORDED_REASON = "审核通过时没有记下变更前的内容(系统升级前审核的), 本行保留, 没有撤销。"
_CHUNK = """
SELECT id, excel_row, status, id_number, payload, before FROM declarations
WHERE batch_id = :b AND excel_row > :after
  AND status IN ('applied', 'pending_review', 'approved')
ORDER BY excel_row LIMIT :n
"""
# Later declarations of the same subjects, from other batches, that still hold.
_LATER = """
SELECT {subject}, id, batch_id, kind FROM declarations
WHERE batch_id <> :b AND id > :first
  AND status IN ('applied', 'pending_review', 'approved') AND {match}
ORDER BY id
"""


@dataclass(frozen=True)
class HeldRow:
    """One declaration of the batch an undo looks at."""

    id: int
    row: int
    status: str
    id_number: str | None
    payload: dict[str, Any]
    before: dict[str, Any] | None


@dataclass
class ChunkVerdict:
    """What to do with each row of a chunk."""

    revert: list[HeldRow] = field(default_factory=list)
    # Approved rows taken back by the kind's `undo_approved`.
    revert_approved: list[HeldRow] = field(default_factory=list)
    withdraw: list[HeldRow] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reverted(self) -> int:
        """How many rows the chunk puts back (applied and approved ones)."""
        return len(self.revert) + len(self.revert_approved)


def json_value(value: Any) -> Any:
    """A JSON column as Python values."""
    # SQLite hands JSON back as text, PostgreSQL as Python values.
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def read_chunk(session: Session, batch_id: int, after_row: int, size: int) -> list[HeldRow]:
    """The batch's next `size` declarations that still hold, after Excel row `after_row`."""
    found = session.execute(text(_CHUNK), {"b": batch_id, "after": after_row, "n": size})
    return [
        HeldRow(i, row, status, pid, json_value(payload) or {}, json_value(before))
        for i, row, status, pid, payload, before in found
    ]


def judge_chunk(session: Session, batch: Batch, rows: list[HeldRow]) -> ChunkVerdict:
    """Per row: revert, keep (with the reason) or withdraw, from the registry as it is now."""
    kind = get_kind(batch.kind or "")
    verdict = ChunkVerdict()
    applied: list[HeldRow] = []
    approved: list[HeldRow] = []
    for r in rows:
        if r.status == "pending_review":
            verdict.withdraw.append(r)
        else:
            (approved if r.status == "approved" else applied).append(r)
    _judge_approved(session, batch, kind, approved, verdict)
    later = _later_declarations(session, batch, kind, applied)
    unclaimed = []
    for r in applied:
        if r.id in later:
            verdict.kept.append({"row": r.row, "reason": later[r.id]})
        else:
            unclaimed.append(r)
    moved = _moved_since(session, batch, kind, unclaimed)
    for r in unclaimed:
        if r.row in moved:
            verdict.kept.append({"row": r.row, "reason": moved[r.row]})
        else:
            verdict.revert.append(r)
    verdict.kept.sort(key=lambda k: k["row"])
    return verdict


def _judge_approved(
    session: Session, batch: Batch, kind: Kind, rows: list[HeldRow], verdict: ChunkVerdict
) -> None:
    """Approved rows are kept, unless the kind takes its approvals back (`undo_approved`)
    and no later decision changed what the row set."""
    undo = kind.undo_approved
    recorded = []
    for r in rows:
        if undo is not None and r.before is not None:
            recorded.append(r)
        else:
            reason = APPROVED_REASON if undo is None else UNRECORDED_REASON
            verdict.kept.append({"row": r.row, "reason": reason})
    if not recorded or undo is None:
        return
    reasons = undo.kept(session, batch.employer_id, approval_frame(recorded))
    for r in recorded:
        if r.row in reasons:
            verdict.kept.append({"row": r.row, "reason": reasons[r.row]})
        else:
            verdict.revert_approved.append(r)


def approval_frame(rows: list[HeldRow]) -> pd.DataFrame:
    """Approved rows as `ApprovalUndo` takes them: payload, `_before`, `_declaration`."""
    frame = payload_frame(rows)
    frame["_before"] = [r.before for r in rows]
    frame["_declaration"] = [r.id for r in rows]
    return frame


def _in_clause(session: Session, column: str, values: list) -> tuple[str, dict]:
    if session.get_bind().dialect.name == "postgresql":
        return f"{column} = ANY(:v)", {"v": values}
    return f"{column} IN (SELECT value FROM json_each(:v))", {"v": json.dumps(values)}


def _later_declarations(
    session: Session, batch: Batch, kind: Kind, rows: list[HeldRow]
) -> dict[int, str]:
    """Declaration id → why it is kept, for rows whose subject a later declaration of
    another batch still holds (a person: any kind, any employer; otherwise this employer's
    declarations of the same kind)."""
    if not rows:
        return {}
    first = min(r.id for r in rows)
    if kind.id_column is not None:
        ids = sorted({r.id_number for r in rows if r.id_number})
        if not ids:
            return {}
        match, params = _in_clause(session, "id_number", ids)
        subject = "id_number"
    else:
        match = "employer_id = :e AND kind = :k"
        params = {"e": batch.employer_id, "k": kind.name}
        subject = "kind"
    sql = _LATER.format(subject=subject, match=match)
    found = session.execute(text(sql), {**params, "b": batch.id, "first": first}).all()
    by_subject: defaultdict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for key, decl_id, other_batch, other_kind in found:
        by_subject[key].append((decl_id, other_batch, other_kind))
    reasons = {}
    for r in rows:
        key = r.id_number if kind.id_column is not None else kind.name
        hit = next((h for h in by_subject.get(key or "", []) if h[0] > r.id), None)
        if hit is not None:
            reasons[r.id] = _later_reason(kind, hit[1], hit[2])
    return reasons


def _later_reason(kind: Kind, other_batch: int, other_kind: str) -> str:
    title = KINDS[other_kind].title if other_kind in KINDS else other_kind
    who = "该人员" if kind.id_column is not None else "本单位"
    return (
        f"{who}此后在批次 #{other_batch}({title})中又有申报, 以后来的申报为准, "
        "本行保留, 没有撤销。如需更正, 请另行申报。"
    )


def payload_frame(rows: list[HeldRow]) -> pd.DataFrame:
    """The rows' declared cells, indexed by Excel row (what `plan` and `revert` take)."""
    frame = pd.DataFrame.from_records([r.payload for r in rows], index=[r.row for r in rows])
    # Text columns stay pandas' own string type, as the pipeline's sheet holds them: the
    # kinds' joins against registry state are many times slower on Python objects.
    return frame.fillna("")


def _moved_since(session: Session, batch: Batch, kind: Kind, rows: list[HeldRow]) -> dict[int, str]:
    """Excel row → why it is kept, for rows whose compared cells the registry no longer
    holds as the row set them (changed since by a review decision or another writer)."""
    if not rows or kind.current is None or not kind.compared_columns:
        return {}
    frame = payload_frame(rows)
    employer = session.get(Employer, batch.employer_id)
    assert employer is not None  # a batch's employer is never deleted
    ctx = rule_context(session, employer.code)
    state = kind.read_state(session, frame)
    now = kind.current(Judgement(frame, state, batch.employer_id, ctx, {}))
    now = now.loc[now.index.isin(frame.index)]
    reasons: dict[int, str] = {}
    for column in kind.compared_columns:
        if column not in now.columns or column not in frame.columns:
            continue
        held = now[column].astype(object).where(now[column].notna(), "").astype(str)
        declared = frame.loc[held.index, column].astype(str)
        # A cell the row left blank, or one the registry holds nothing for now (e.g. the
        # base of a new enrolment, which the kind's `current` never reports), is not a change.
        differs = held.ne(declared) & held.ne("") & declared.ne("")
        for row in held.index[differs]:
            reasons.setdefault(
                int(row),
                f"{column}现为「{held[row]}」, 与本行申报的「{declared[row]}」不同"
                "(此后已被其他申报或审核改动), 本行保留, 没有撤销。",
            )
    return reasons
