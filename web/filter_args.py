"""The filters of 申报及结果查询 and 审核队列 read from the query string, each value that is
not one of the choices kept as a Chinese notice naming it and what it may be.

A page that dropped a mistyped filter would list everything under a filter the viewer
believes applied (and its export would too); the API answers such a request with 400,
the pages show the notice and no rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from shebao.masking import mask_ids
from web.main import text_arg

# A value typed into the address bar is quoted back, but not a whole paragraph of it.
QUOTED_MAX = 40


def _quoted(value: str) -> str:
    shown = value if len(value) <= QUOTED_MAX else value[:QUOTED_MAX] + "…"
    return mask_ids(shown)


@dataclass
class FilterArgs:
    """Reads filter arguments; `problems` collects what could not be used."""

    problems: list[str] = field(default_factory=list)
    # What the page lists, for its notice.
    listed: str = "申报"

    @property
    def notice(self) -> str:
        """The notice of the page (empty when every filter was understood)."""
        if not self.problems:
            return ""
        return (
            f"查询条件有误, 没有列出{self.listed}: " + " ".join(self.problems) + " 请改正后再查询。"
        )

    def choice(self, name: str, label: str, choices: Mapping[str, str]) -> str | None:
        """The argument `name` when it is a key of `choices` (value → Chinese name);
        None when absent or not a choice (then a problem naming the choices)."""
        value = text_arg(name)
        if value is None or value in choices:
            return value
        names = "、".join(choices.values())
        self.problems.append(f"{label}「{_quoted(value)}」不是可选的{label}, 可选: {names}。")
        return None

    def date(self, name: str, label: str) -> dt.date | None:
        """The `YYYY-MM-DD` argument `name`; None when absent or not a real date (a problem)."""
        value = text_arg(name)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problems.append(
                f"{label}「{_quoted(value)}」不是有效的日期, 应写成 2026-11-29 这样。"
            )
            return None

    def unknown(self, label: str, value: str, expected: str) -> None:
        """Record a value that names nothing (an employer code no employer has)."""
        self.problems.append(f"{label}「{_quoted(value)}」{expected}")
