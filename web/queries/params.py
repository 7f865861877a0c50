"""The viewer's request as list parameters (filters, month range, sort, page)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from importer.context import today
from registry.queries.listing import ListQuery, Params

# ASCII digits only: \d would take full-width ones, which compare wrong as text.
MONTH = re.compile(r"^[0-9]{4}(0[1-9]|1[0-2])$")


def month_arg(args: Mapping[str, str], name: str) -> str | None:
    """A YYYYMM argument (2026-11 accepted too); anything else is ignored."""
    value = (args.get(name) or "").strip().replace("-", "")
    return value if MONTH.match(value) else None


def month_problems(args: Mapping[str, str]) -> list[str]:
    """What the page says about a month range it could not use, in Chinese: a value that
    is not a month (the page ignores it) and a start after the end (nothing can match)."""
    labels = {"from": "起始年月", "to": "截止年月"}
    problems = [
        f"{label}「{args[name].strip()}」不是有效的年月, 已忽略; 请按 YYYYMM 填写, 如 202611。"
        for name, label in labels.items()
        if (args.get(name) or "").strip() and month_arg(args, name) is None
    ]
    start, end = month_arg(args, "from"), month_arg(args, "to")
    if start and end and start > end:
        problems.append(
            f"起始年月 {start} 晚于截止年月 {end}, 没有记录能同时满足; 请调换两个年月后再查询。"
        )
    return problems


def list_params(query: ListQuery, args: Mapping[str, str], page: int, per_page: int = 50) -> Params:
    """Params of `query` from query-string arguments."""
    return Params(
        filters={f.key: args.get(f.key, "") for f in query.filters},
        month_from=month_arg(args, "from"),
        month_to=month_arg(args, "to"),
        sort=args.get("sort") or None,
        page=page,
        per_page=per_page,
        today=today(),
    )
