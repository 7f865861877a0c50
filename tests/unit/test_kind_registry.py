"""Every registered kind has every part, and its parts agree with each other: a kind
missing a message, a template, a menu entry or an approval hook fails here."""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass, field

import pandas as pd
import pytest

from importer.kinds import KIND_BY_TITLE, KINDS, get_kind, spec_of
from importer.kinds.base import always_reviewed, never_reviewed
from templates_xlsx.build import build_template, template_path
from validators import messages, sheet
from validators.context import RuleContext
from validators.errors import RowError
from web.menu import DECLARE_ITEMS

ALL = pytest.mark.parametrize("name", list(KINDS))


@ALL
def test_kind_lives_in_its_own_documented_module(name):
    kind = get_kind(name)
    module = inspect.getmodule(kind.plan)
    assert module is not None and module.__name__ == f"importer.kinds.{name}"
    assert module.__doc__ and module.__doc__.strip()
    for part in (kind.read_state, kind.judge, kind.plan):
        assert callable(part)


@ALL
def test_model_fields_are_exactly_the_template_headers(name):
    kind = get_kind(name)
    aliases = list(kind.rules.model.to_schema().columns)
    assert aliases == kind.spec.headers


@ALL
def test_every_check_has_a_message_and_a_column(name):
    kind = get_kind(name)
    schema = kind.rules.model.to_schema()
    frame_checks = {sheet._check_code(c.name) for c in schema.checks}
    cell_checks = {sheet._check_code(c.name) for col in schema.columns.values() for c in col.checks}
    assert not (frame_checks | cell_checks) - set(messages.TEMPLATES)
    for code in frame_checks:
        assert kind.rules.column_of(code) in kind.spec.headers, code


@ALL
def test_natural_key_columns_are_template_columns(name):
    kind = get_kind(name)
    assert kind.key_columns and set(kind.key_columns) <= set(kind.spec.headers)
    if kind.id_column is not None:
        assert kind.id_column in kind.spec.headers


@ALL
def test_committed_template_exists_and_is_current(name):
    path = template_path(spec_of(name))
    assert path.exists() and path.read_bytes() == build_template(spec_of(name))


@ALL
def test_kind_is_on_the_menu_by_its_title(name):
    assert get_kind(name).title in DECLARE_ITEMS
    assert KIND_BY_TITLE[get_kind(name).title] == name


@ALL
def test_a_kind_that_sends_rows_to_review_can_apply_an_approval(name):
    kind = get_kind(name)
    if kind.review is not never_reviewed:
        assert kind.approve is not None, f"{name} sends rows to review but cannot approve"


@dataclass
class _EmptySheet:
    """A sheet verdict with no rows, for running a kind's `derive`."""

    df: pd.DataFrame
    letters: dict[str, str] = field(default_factory=dict)
    issues: list[RowError] = field(default_factory=list)

    def candidates(self) -> pd.Index:
        return self.df.index


@ALL
def test_a_kind_can_be_previewed_and_its_applied_rows_undone(name):
    kind = get_kind(name)
    columns = kind.compared_columns
    assert columns and len(set(columns)) == len(columns), f"{name} compares no columns"
    assert kind.current is not None, f"{name} cannot say what the registry holds now"
    module = inspect.getmodule(kind.current)
    assert module is not None and module.__name__.startswith("importer.kinds.")
    # A row applied without a reviewer must be revertible; a kind whose every row goes
    # to review has nothing to revert (undo withdraws the pending declarations).
    if kind.review is not always_reviewed:
        assert kind.revert is not None, f"{name} applies rows it cannot revert"
    # The preview compares each compared column with the row's own cell: every one must
    # be a template column or one the kind derives.
    verdict = _EmptySheet(pd.DataFrame(columns=kind.spec.headers, dtype="str"))
    kind.derive(verdict, RuleContext(today=dt.date(2026, 11, 29)))
    assert set(kind.compared_columns) <= set(verdict.df.columns)
