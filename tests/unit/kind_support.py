"""Helpers for the unit tests of person kinds' rules (no tests here): sheets as small
DataFrames, registry state as the rows `registry.state.person_state` returns, and a
kind's `judge` run on them."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from importer.kinds import get_kind
from importer.kinds.base import Judgement, RegistryVerdict
from registry.state import STATE_COLUMNS
from validators.context import RuleContext
from validators.idcard import check_char
from validators.sheet import validate_sheet

TODAY = dt.date(2026, 11, 29)
CTX = RuleContext(today=TODAY)
HERE, AWAY = 1, 2


def make_id(birth: str = "19900101", seq: str = "123") -> str:
    """A valid 18-character ID (odd `seq` = a man, even = a woman)."""
    first17 = "330682" + birth + seq
    return first17 + check_char(first17)


def letters(kind: str) -> dict[str, str]:
    """Column letters of the standard layout of `kind`."""
    return {h: chr(ord("A") + i) for i, h in enumerate(get_kind(kind).spec.headers)}


def sheet(kind: str, *rows: dict[str, str]) -> pd.DataFrame:
    """`rows` (header → cell) as a normalised sheet of `kind`, from Excel row 3."""
    headers = get_kind(kind).spec.headers
    data = [{h: r.get(h, "") for h in headers} for r in rows]
    return pd.DataFrame(data, index=range(3, 3 + len(rows)), columns=headers, dtype="str")


def validate(kind: str, *rows: dict[str, str], ctx: RuleContext = CTX) -> set[tuple]:
    """(row, column, code) of every validation error of the sheet."""
    found = validate_sheet(get_kind(kind).rules, sheet(kind, *rows), ctx, letters(kind))
    return {(e.row, e.column, e.code) for e in found}


def enrolment(
    pid: str,
    insurance: str,
    start: str = "202601",
    *,
    name: str = "张三",
    employer: int = HERE,
    end: str | None = None,
    reason: str | None = None,
    gender: str = "男",
    birth: str = "1990-01-01",
    identity: str = "工人",
) -> tuple:
    """One row of the registry state: a person and one enrolment of theirs."""
    status = "stopped" if end else "active"
    employer_name = "本单位" if employer == HERE else "绍兴另一家纺织有限公司"
    return (pid, name, gender, birth, identity, employer, employer_name, insurance, start,
            end, status, reason)  # fmt: skip


def judge(
    kind: str, rows: list[dict[str, str]], state: list[tuple], ctx: RuleContext = CTX
) -> RegistryVerdict:
    """The kind's registry verdict on `rows` against `state`."""
    frame = pd.DataFrame(state, columns=STATE_COLUMNS)
    verdict = RegistryVerdict()
    judgement = Judgement(sheet(kind, *rows), frame, HERE, ctx, letters(kind))
    get_kind(kind).judge(judgement, verdict)
    return verdict


def judgement(kind: str, rows: list[dict[str, str]], state: list[tuple]) -> Judgement:
    """What the kind's `review` is given for `rows` against `state`."""
    frame = pd.DataFrame(state, columns=STATE_COLUMNS)
    return Judgement(sheet(kind, *rows), frame, HERE, CTX, letters(kind))


def codes(verdict: RegistryVerdict) -> set[tuple]:
    """(row, column, code) of every error of a verdict."""
    return {(e.row, e.column, e.code) for e in verdict.errors}
