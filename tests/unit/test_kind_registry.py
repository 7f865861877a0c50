"""Every registered kind has every part, and its parts agree with each other: a kind
missing a message, a template, a menu entry or an approval hook fails here, and so does a
kind that borrows another kind's message or gives a known code a second text."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import string
from dataclasses import dataclass, field

import pandas as pd
import pytest

from importer.kinds import KIND_BY_TITLE, KINDS, get_kind, spec_of
from importer.kinds.base import always_reviewed, never_reviewed
from templates_xlsx.build import build_template, template_path
from validators import messages, sheet
from validators.context import RuleContext
from validators.errors import RowError, ValidationSetupError
from validators.models import PersonIdChecks, model_for
from validators.specs import ID_COLUMN, NAME_COLUMN, NOTE_COLUMN, KindSpec
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


def _own_or_shared(name: str) -> set[str]:
    """The codes kind `name` may report: its own messages and the shared ones."""
    return set(get_kind(name).messages) | set(messages.SHARED)


@ALL
def test_every_check_has_a_message_and_a_column(name):
    kind = get_kind(name)
    schema = kind.rules.model.to_schema()
    frame_checks = {sheet._check_code(c.name) for c in schema.checks}
    cell_checks = {sheet._check_code(c.name) for col in schema.columns.values() for c in col.checks}
    # The kind's messages cover its checks (with the shared ones): none is another kind's.
    assert not (frame_checks | cell_checks) - _own_or_shared(name)
    for code in frame_checks:
        assert kind.rules.column_of(code) in kind.spec.headers, code


@ALL
def test_a_kinds_messages_are_its_own_registered_templates(name):
    kind = get_kind(name)
    assert kind.messages, f"{name} reports no code of its own"
    # A shared code keeps its one template in validators.messages, not a copy here.
    assert not set(kind.messages) & set(messages.SHARED)
    for code, text in kind.messages.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert messages.TEMPLATES[code] == text
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert all(f.isidentifier() for f in fields), (code, fields)


@ALL
def test_the_kinds_module_reports_only_its_own_or_shared_codes(name):
    # Every message code quoted in the module (its judge's and derive's codes as well as
    # its checks') is one it owns or a shared one, so no kind leans on another's list.
    source = inspect.getsource(inspect.getmodule(get_kind(name).plan))
    quoted = set(re.findall(r'"([a-z][a-z0-9_]*)"', source)) & set(messages.TEMPLATES)
    assert not quoted - _own_or_shared(name)


def test_every_message_is_shared_or_a_registered_kinds():
    owned = set(messages.SHARED).union(*(k.messages for k in KINDS.values()))
    assert set(messages.TEMPLATES) == owned
    for kind in KINDS.values():
        for code in kind.messages:
            assert messages.OWNERS[code] in KINDS


def test_a_code_defined_alike_by_two_kinds_is_one_message():
    report = get_kind("injury_report").messages["decision_not_pending"]
    assert get_kind("injury_appraisal").messages["decision_not_pending"] == report
    before = dict(messages.TEMPLATES)
    messages.register("another_kind", {"decision_not_pending": report})
    assert messages.TEMPLATES == before
    assert messages.OWNERS["decision_not_pending"] == "injury_report"


@pytest.mark.parametrize(
    ("code", "owner"), [("already_stopped", "person_remove"), ("required", "validators.messages")]
)
def test_a_known_code_given_another_text_is_refused_whole(code, owner):
    before = dict(messages.TEMPLATES)
    with pytest.raises(ValidationSetupError, match=rf"{code} \({re.escape(owner)}\)"):
        messages.register("another_kind", {"another_kinds_code": "某某。", code: "另一种说法。"})
    assert messages.TEMPLATES == before  # nothing of the refused kind was added


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
    # Taking approvals back needs approvals, and both parts of the hook.
    if kind.undo_approved is not None:
        assert kind.approve is not None, f"{name} takes back approvals it never makes"
        assert callable(kind.undo_approved.kept) and callable(kind.undo_approved.revert)
    # The preview compares each compared column with the row's own cell: every one must
    # be a template column or one the kind derives.
    verdict = _EmptySheet(pd.DataFrame(columns=kind.spec.headers, dtype="str"))
    kind.derive(verdict, RuleContext(today=dt.date(2026, 11, 29)))
    assert set(kind.compared_columns) <= set(verdict.df.columns)


def test_models_built_from_specs_keep_shared_check_names_and_header_order():
    # pandera consumes a check's name= when the first model collects it: two more models
    # sharing the ID mixin must still report its checks by their codes.
    specs = [
        KindSpec("a_kind", "甲", "", 1, (NAME_COLUMN, ID_COLUMN)),
        KindSpec("b_kind", "乙", "", 1, (ID_COLUMN, NOTE_COLUMN, NAME_COLUMN)),
    ]
    for spec in specs:

        @model_for(spec)
        class Model(PersonIdChecks):
            """A test model."""

        schema = Model.to_schema()
        assert list(schema.columns) == spec.headers
        assert {c.name for c in schema.checks} == {
            "id_excel_number", "id_format", "id_checksum", "id_birth_date",
        }  # fmt: skip
        assert Model.__name__ == "Model" and Model.__doc__ == "A test model."
        assert {sheet._check_code(c.name) for c in schema.columns["姓名"].checks} == {
            "too_long", "required", "person_name",
        }  # fmt: skip
