"""The window in which a batch can be undone (`SHEBAO_UNDO_WINDOW`, see `importer.undo`).

`assessment` (the default): until a monthly assessment run *after* the batch finished
covers a month its rows concern (the ledger `contributions` then holds amounts computed
with the batch's rows: taking them back is a matter for new declarations). The months a
batch concerns start at the earliest month of its kind's month column (参保年月, 停保年月,
开始年月 ...), or the month it was applied in for kinds without one. `days:N`: N days after
the batch finished. `always`: no limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from importer.kinds import get_kind
from importer.undo_judge import json_value
from registry.models import Batch


class UndoRefused(Exception):
    """An undo that cannot be done; `message` is Chinese, `status` an HTTP status (404: no
    such batch for this viewer, 409: not now or not at all)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class UndoWindow:
    """How long a batch can be undone (`SHEBAO_UNDO_WINDOW`): `assessment` (until a monthly
    assessment run after the batch covers a month its rows concern), `days:N` (N days
    after it finished) or `always`."""

    mode: str = "assessment"
    days: int = 0

    @classmethod
    def parse(cls, raw: str | None) -> UndoWindow:
        """The window a setting names; a setting it cannot read is an operator's error."""
        value = (raw or "assessment").strip().lower()
        if value in ("assessment", "always"):
            return cls(value)
        name, _, number = value.partition(":")
        if name == "days" and number.strip().isdigit():
            return cls("days", int(number))
        raise ValueError(
            f"SHEBAO_UNDO_WINDOW={raw!r} 无法识别: 应为 assessment、days:N(如 days:7)或 always。"
        )


def check_window(session: Session, batch: Batch, window: UndoWindow, now: dt.datetime) -> None:
    finished = batch.finished_at or batch.created_at
    if window.mode == "always":
        return
    if window.mode == "days":
        if now - finished > dt.timedelta(days=window.days):
            raise UndoRefused(
                409, "undo_window_closed",
                f"批次 #{batch.id} 完成已超过 {window.days} 天, 超出了可以撤销的期限, 不能撤销。"
                "如需更正, 请另行申报(如人员减少)。",
            )  # fmt: skip
        return
    first = _first_month(session, batch)
    assessed = session.execute(
        text("SELECT MIN(month) FROM contributions WHERE month >= :m AND created_at >= :since"),
        {"m": first, "since": finished},
    ).scalar()
    if assessed:
        raise UndoRefused(
            409, "undo_window_closed",
            f"本批次涉及的 {assessed[:4]}年{assessed[4:]}月 已做过月度核定(应缴费用已按本批次计算), "
            "不能再撤销。如需更正, 请另行申报(如人员减少)。",
        )  # fmt: skip


def _first_month(session: Session, batch: Batch) -> str:
    """The earliest month the batch's rows concern: the kind's month column (参保年月,
    停保年月 ...) of its held declarations, else the month it was applied in (a row
    without a month concerns that month too)."""
    column = get_kind(batch.kind or "").rules.month_column
    finished = batch.finished_at or batch.created_at
    fallback = finished.strftime("%Y%m")
    if column is None:
        return fallback
    months = {str(p.get(column) or "") for p in _payloads(session, batch.id)}
    dated = [m for m in months if m.isdigit()]
    # Rows that all start next month are not in this month's assessment: it does not
    # close their window (the applied month would, and the refusal would name a month
    # the batch does not concern).
    return min(dated) if dated and len(dated) == len(months) else min([*dated, fallback])


def _payloads(session: Session, batch_id: int) -> Iterator[dict[str, Any]]:
    rows = session.execute(
        text(
            "SELECT payload FROM declarations WHERE batch_id = :b "
            "AND status IN ('applied', 'pending_review', 'approved')"
        ),
        {"b": batch_id},
    )
    for (payload,) in rows:
        yield json_value(payload) or {}
