"""Reusable pandera checks, registered once so every model can name them in `Field(...)`.

Each registered name is also the error code users' messages are looked up by. Checks
that need "today" read it from the rule context of the validation in progress.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pandera.extensions as extensions

from validators import fields
from validators.context import RuleContext

_current: contextvars.ContextVar[RuleContext] = contextvars.ContextVar("rule_context")
_memo: contextvars.ContextVar[dict] = contextvars.ContextVar("derived_columns")


@contextmanager
def rule_context(ctx: RuleContext) -> Iterator[RuleContext]:
    """Make `ctx` the context of the checks run inside the block."""
    token, memo_token = _current.set(ctx), _memo.set({})
    try:
        yield ctx
    finally:
        _current.reset(token)
        _memo.reset(memo_token)


def derived(name: str, df, compute):
    """`compute()` once per validation and frame: several rules need the same parsed
    column (valid IDs, birth dates), and recomputing it per rule made validation several
    times slower. pandera hands every dataframe check the same frame object; holding a
    reference to it keeps its identity from being reused. Outside a validation, or for
    another frame (a subset), it simply computes."""
    memo = _memo.get(None)
    if memo is None:
        return compute()
    hit = memo.get(name)
    if hit is not None and hit[0] is df:
        return hit[1]
    value = compute()
    memo[name] = (df, value)
    return value


def current_context() -> RuleContext:
    """The context of the validation in progress."""
    return _current.get()


def today() -> pd.Timestamp:
    """Today of the validation in progress, as a Timestamp for vectorised comparisons."""
    return pd.Timestamp(current_context().today)


# Not named `required`: pandera's Field has a `required` option of its own.
@extensions.register_check_method()
def cell_required(col: pd.Series) -> pd.Series:
    return fields.filled(col)


@extensions.register_check_method(statistics=["choices"])
def not_in_list(col: pd.Series, *, choices: tuple[str, ...]) -> pd.Series:
    return fields.in_choices(col, tuple(choices))


@extensions.register_check_method(statistics=["max_len"])
def too_long(col: pd.Series, *, max_len: int) -> pd.Series:
    return fields.short_enough(col, max_len)


@extensions.register_check_method()
def person_name(col: pd.Series) -> pd.Series:
    return fields.person_name(col)


@extensions.register_check_method()
def month_format(col: pd.Series) -> pd.Series:
    return fields.month(col)


@extensions.register_check_method()
def date_format(col: pd.Series) -> pd.Series:
    return fields.date(col)


@extensions.register_check_method()
def money_format(col: pd.Series) -> pd.Series:
    return fields.money(col)


@extensions.register_check_method(statistics=["limit"])
def money_too_large(col: pd.Series, *, limit: float) -> pd.Series:
    return fields.money_plausible(col, limit)


@extensions.register_check_method()
def phone_format(col: pd.Series) -> pd.Series:
    return fields.phone(col)


@extensions.register_check_method()
def date_in_future(col: pd.Series) -> pd.Series:
    parsed = fields.parse_dates(col)
    return parsed.isna() | (parsed <= today())


@extensions.register_check_method()
def year_format(col: pd.Series) -> pd.Series:
    return fields.year(col)


@extensions.register_check_method()
def months_format(col: pd.Series) -> pd.Series:
    return fields.month_count(col)


@extensions.register_check_method(statistics=["min_len"])
def too_short(col: pd.Series, *, min_len: int) -> pd.Series:
    return fields.long_enough(col, min_len)
