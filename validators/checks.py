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


@contextmanager
def rule_context(ctx: RuleContext) -> Iterator[RuleContext]:
    """Make `ctx` the context of the checks run inside the block."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current_context() -> RuleContext:
    """The context of the validation in progress."""
    return _current.get()


def today() -> pd.Timestamp:
    """Today of the validation in progress, as a Timestamp for vectorised comparisons."""
    return pd.Timestamp(current_context().today)


@extensions.register_check_method()
def required(col: pd.Series) -> pd.Series:
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


@extensions.register_check_method()
def phone_format(col: pd.Series) -> pd.Series:
    return fields.phone(col)


@extensions.register_check_method()
def date_in_future(col: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(col.where(col.str.fullmatch(fields.DATE_PATTERN)), errors="coerce")
    return parsed.isna() | (parsed <= today())
