"""One declarative description of a list, used by the page, the 导出Excel file, the JSON
API and the command line alike.

A `ListQuery` holds a `source` (a SELECT with labelled columns, already limited to one
employer) and the `Column`s shown from it; a list the agency may read across employers
(one person's months) has an `every_employer` source as well, used when no employer is
given. Filtering,
sorting and paging happen in SQL on that source wrapped as a subquery, so a page of an
employer with 50,000 persons costs two statements (count, page), like one with 50.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from registry.batch_queries import Page

# The order of the template columns: 养老, 医疗, 失业, 工伤.
INSURANCE_ORDER = ["110", "310", "210", "410"]
# Formats a column can have; each front end renders them its own way (web.formatting).
FORMATS = ("text", "money", "month", "date", "int", "id", "insurances", "status", "decimal")


@dataclass(frozen=True)
class Column:
    """One column: header, where its value comes from, how it looks, how it sorts."""

    key: str
    header: str
    format: str = "text"
    sortable: bool = False
    masked: bool = False
    sort_by: str | None = None  # another source column to order by (a pinyin key)
    descending: bool = False  # the first click sorts this way (newest, highest first)
    labels: Mapping[str, str] | None = None  # coded values shown as words (status)
    computed: bool = False  # filled by the list's `decorate`, not selected
    hint: str = ""  # how the figure is arrived at, shown with the header


@dataclass(frozen=True)
class Filter:
    """A filter from the query string: `choices` (value → label) or a text search over
    `fields` (contains, case-insensitive)."""

    key: str
    label: str
    choices: Mapping[str, str] | None = None
    fields: tuple[str, ...] = ()
    source_only: bool = False  # read by the source itself (a horizon), not a WHERE here


@dataclass(frozen=True)
class Params:
    """What the viewer asked for: filters, month range, sort, page."""

    filters: Mapping[str, str] = field(default_factory=dict)
    month_from: str | None = None
    month_to: str | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 50
    today: dt.date | None = None  # the reference day of age horizons (SHEBAO_TODAY in tests)


# A page's `decorate` looks its rows up by their own keys; past this many rows (an
# export) by the list's statement instead: either way one statement per lookup.
INLINE_KEYS = 1000

# The source of one employer's list: every list is per employer (the agency picks one).
Source = Callable[[int, Params], Select]


@dataclass(frozen=True)
class ListQuery:
    """A list: its name (URL, API, CLI), title, source, columns, filters, default order."""

    name: str
    title: str
    source: Source
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    default_sort: str = ""
    tiebreak: tuple[str, ...] = ()
    months: bool = False  # takes a month range (--from/--to)
    # Columns computed in Python for the rows shown (a balance from the statement).
    decorate: Callable[[Session, int, list[dict], Params], None] | None = None
    # The source across every employer (the reviewer's view of one person), if any.
    every_employer: Callable[[Params], Select] | None = None
    # Source columns the rows carry for links (an opaque row reference), never shown,
    # exported or given by the API.
    carry: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.every_employer is not None and self.decorate is not None:
            raise ValueError(f"{self.name}: a list across employers cannot be decorated")

    def column(self, key: str) -> Column | None:
        """The column named `key`, if any."""
        return next((c for c in self.columns if c.key == key), None)

    def sort_key(self, params: Params) -> str:
        """The asked sort column when sortable, else the default."""
        col = self.column(params.sort or "")
        return col.key if col is not None and col.sortable else self.default_sort

    def _source(self, employer_id: int | None, params: Params) -> Select:
        if employer_id is not None:
            return self.source(employer_id, params)
        if self.every_employer is None:
            raise ValueError(f"{self.name} is a list of one employer: name the employer")
        return self.every_employer(params)

    def statement(self, employer_id: int | None, params: Params) -> Select:
        """The filtered, ordered SELECT (no paging) over the source (None: every
        employer, for a list that has such a source)."""
        sub = self._source(employer_id, params).subquery("src")
        shown = [c.key for c in self.columns if not c.computed]
        stmt = select(*[sub.c[k] for k in [*shown, *self.carry]]).select_from(sub)
        for flt in self.filters:
            value = (params.filters.get(flt.key) or "").strip()
            if value and not flt.source_only:
                stmt = stmt.where(_condition(flt, value, sub.c))
        return stmt.order_by(*self._order(sub.c, params))

    def _order(self, cols: Any, params: Params) -> list[ColumnElement]:
        key = self.sort_key(params)
        order: list[ColumnElement] = []
        col = self.column(key)
        if col is not None:
            expr = cols[col.sort_by or col.key]
            order.append(expr.desc() if col.descending else expr.asc())
        order += [cols[k].asc() for k in self.tiebreak if k != key]
        return order

    def keys(self, employer_id: int, params: Params, rows: list[dict], key: str) -> list | Select:
        """What a `decorate` selects the data of `rows` by: their `key` values, or for
        more than INLINE_KEYS rows (an export) the list's own statement, so a lookup is one
        statement whatever the number of rows."""
        if len(rows) <= INLINE_KEYS:
            return sorted({r[key] for r in rows})
        sub = self.statement(employer_id, params).order_by(None).subquery("keys")
        return select(sub.c[key])

    def page(self, session: Session, employer_id: int | None, params: Params) -> Page[dict]:
        """One page of rows as dicts (count and page: two statements)."""
        stmt = self.statement(employer_id, params)
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        total = total or 0
        last = max(1, -(-total // params.per_page))
        page = min(max(1, params.page), last)
        rows = session.execute(stmt.limit(params.per_page).offset((page - 1) * params.per_page))
        items = [dict(r._mapping) for r in rows]
        if self.decorate is not None and employer_id is not None:
            self.decorate(session, employer_id, items, params)
        return Page(items, total, page, params.per_page)

    def rows(
        self, session: Session, employer_id: int | None, params: Params, limit: int = 200_000
    ) -> Iterator[dict]:
        """Every row (bounded) for an export, streamed."""
        stmt = self.statement(employer_id, params).limit(limit)
        if self.decorate is None or employer_id is None:
            for row in session.execute(stmt.execution_options(yield_per=2000)):
                yield dict(row._mapping)
            return
        items = [dict(r._mapping) for r in session.execute(stmt)]
        self.decorate(session, employer_id, items, params)
        yield from items


def _condition(flt: Filter, value: str, cols: Any) -> ColumnElement[bool]:
    if flt.choices is not None:
        if value not in flt.choices:
            return cols[flt.key].is_not(None)  # an unknown choice filters nothing out
        return cols[flt.key] == value
    pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*[cols[f].ilike(pattern, escape="\\") for f in flt.fields])


def json_value(col: Column, value: Any, mask: bool = True) -> Any:
    """A value as the API and the command line give it: codes and YYYYMM months as
    stored, money as a string with two decimals, ID numbers masked unless `mask` is off."""
    if value is None:
        return None
    if col.format in ("money", "decimal"):
        return f"{value:.2f}" if col.format == "money" else str(value)
    if col.format == "insurances":
        return insurance_codes(value)
    if col.masked and mask:
        return mask_id(str(value))
    return value


def json_row(query: ListQuery, row: Mapping[str, Any], mask: bool = True) -> dict[str, Any]:
    """One row in the JSON shape, keyed like the columns."""
    return {c.key: json_value(c, row.get(c.key), mask) for c in query.columns}


def insurance_codes(value: object) -> list[str]:
    """'310,110,110' (as aggregated) → ['110', '310']: distinct, in template order."""
    codes = {c for c in str(value or "").split(",") if c}
    return sorted(codes, key=lambda c: INSURANCE_ORDER.index(c) if c in INSURANCE_ORDER else 9)


def mask_id(text: str) -> str:
    """330604198001011234 → 330604********1234: first 6, last 4 (shorter: first/last 2)."""
    if not text.isalnum() or not text.isascii():
        return text
    if len(text) >= 15:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) > 4:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return text
