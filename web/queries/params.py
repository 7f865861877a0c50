"""The viewer's request as list parameters (filters, month range, sort, page)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from importer.context import today
from registry.queries.listing import ListQuery, Params

MONTH = re.compile(r"^\d{4}(0[1-9]|1[0-2])$")


def month_arg(args: Mapping[str, str], name: str) -> str | None:
    """A YYYYMM argument (2026-11 accepted too); anything else is ignored."""
    value = (args.get(name) or "").strip().replace("-", "")
    return value if MONTH.match(value) else None


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
